/** Follow-up tasks, their reminders (once, to the owner or the absent owner's substitute) and absences of any user. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fieldsOf, seedCustomer, startServiceApi, type ServiceApi } from '../service/service-fixture.js';

let api: ServiceApi;
type User = Awaited<ReturnType<ServiceApi['user']>>;
let agent: User;
let colleague: User;

beforeAll(async () => {
  api = await startServiceApi('2025-03-10T08:00:00.000Z');
  agent = await api.user('agent');
  colleague = await api.user('agent');
});
afterAll(async () => {
  await api?.close();
});

const emailOf = async (userId: string) => (await api.db.query<{ email: string }>('SELECT email FROM users WHERE id = $1', [userId])).rows[0]!.email;
const reminders = async (taskId: string) =>
  (await api.call('GET', '/api/v1/notifications?event=task.reminder&limit=200')).body.items.filter((n: { body: string }) => n.body.includes(taskId));
const runReminders = async () => {
  const reply = await api.call('POST', '/api/v1/tasks/reminders/run');
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body.sent as number;
};
async function createTask(body: Record<string, unknown>, as: User = agent) {
  const reply = await api.call('POST', '/api/v1/tasks', { title: 'Call back about the quote', dueAt: '2025-03-10T10:00:00Z', ...body }, as.auth);
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return reply.body;
}

describe('tasks', () => {
  test('created by an agent: owned by the caller, reminder 15 min before, customer derived from the contact', async () => {
    const { customerId } = await seedCustomer(api, 0);
    const contact = await api.call('POST', '/api/v1/contacts', { customerId, name: 'Callback Person' });
    const task = await createTask({ contactId: contact.body.id, note: 'Wants the price in writing' });
    expect(task).toMatchObject({
      ownerId: agent.id,
      effectiveOwnerId: agent.id,
      handedOver: false,
      customerId,
      contactId: contact.body.id,
      status: 'open',
      remindAt: '2025-03-10T09:45:00.000Z',
      remindedAt: null,
      author: { type: 'user', id: agent.id },
    });
    const done = await api.call('PATCH', `/api/v1/tasks/${task.id}`, { status: 'done' }, { ...agent.auth, 'if-match': '"1"' });
    expect(done.body).toMatchObject({ status: 'done', closedAt: '2025-03-10T08:00:00.000Z', version: 2 });
    const open = await api.call('GET', `/api/v1/tasks?owner=me&status=open&customerId=${customerId}`, undefined, agent.auth);
    expect(open.body.items).toEqual([]);
  });

  test('bad owners and links are 400 naming the field', async () => {
    const a = await seedCustomer(api, 0);
    const b = await seedCustomer(api, 0);
    const customerUser = await api.user('customer', { customerId: a.customerId });
    const badOwner = await api.call('POST', '/api/v1/tasks', { title: 'x', dueAt: '2025-03-11T10:00:00Z', ownerId: customerUser.id }, agent.auth);
    expect(badOwner.status).toBe(400);
    expect(fieldsOf(badOwner.body)).toEqual(['body.ownerId']);
    const contact = await api.call('POST', '/api/v1/contacts', { customerId: b.customerId, name: 'Elsewhere' });
    const mixed = await api.call(
      'POST',
      '/api/v1/tasks',
      { title: 'x', dueAt: '2025-03-11T10:00:00Z', customerId: a.customerId, contactId: contact.body.id },
      agent.auth,
    );
    expect(fieldsOf(mixed.body)).toEqual(['body.contactId']);
    // The bootstrap admin token is no user: it must name the owner.
    const noOwner = await api.call('POST', '/api/v1/tasks', { title: 'x', dueAt: '2025-03-11T10:00:00Z' });
    expect(fieldsOf(noOwner.body)).toEqual(['body.ownerId']);
    expect((await api.call('POST', '/api/v1/tasks', { title: 'x', dueAt: 'tomorrow' }, agent.auth)).status).toBe(400);
    expect((await api.call('GET', '/api/v1/tasks', undefined, (await api.user('customer', { customerId: a.customerId })).auth)).status).toBe(403);
  });

  test('the reminder fires once, at remindAt, by e-mail to the owner; a new due time re-arms it', async () => {
    api.clock.set('2025-03-10T08:00:00.000Z');
    const task = await createTask({ dueAt: '2025-03-10T12:00:00Z', remindAt: '2025-03-10T11:00:00Z' });
    api.clock.set('2025-03-10T10:59:00.000Z');
    await runReminders();
    expect(await reminders(task.id)).toHaveLength(0);
    api.clock.set('2025-03-10T11:00:00.000Z');
    expect(await runReminders()).toBeGreaterThanOrEqual(1);
    await runReminders();
    const sent = await reminders(task.id);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ recipient: `user:${agent.id}`, channel: 'email', address: await emailOf(agent.id), status: 'pending' });
    expect(sent[0].subject).toBe('Reminder: Call back about the quote');
    expect((await api.call('GET', `/api/v1/tasks/${task.id}`, undefined, agent.auth)).body).toMatchObject({
      remindedAt: '2025-03-10T11:00:00.000Z',
      remindedUserId: agent.id,
    });
    // Postponed: the reminder moves with the due time and goes out again then.
    const later = await api.call('PATCH', `/api/v1/tasks/${task.id}`, { dueAt: '2025-03-11T12:00:00Z' }, agent.auth);
    expect(later.body).toMatchObject({ remindAt: '2025-03-11T11:45:00.000Z', remindedAt: null });
    api.clock.set('2025-03-11T11:45:00.000Z');
    await runReminders();
    await runReminders();
    expect(await reminders(task.id)).toHaveLength(2);
    // A done task is not reminded.
    const closed = await createTask({ dueAt: '2025-03-11T13:00:00Z' });
    await api.call('PATCH', `/api/v1/tasks/${closed.id}`, { status: 'cancelled' }, agent.auth);
    api.clock.set('2025-03-11T13:00:00.000Z');
    await runReminders();
    expect(await reminders(closed.id)).toHaveLength(0);
  });

  test('while the owner is absent, the substitute holds the task, lists it as owner=me and gets the reminder', async () => {
    api.clock.set('2025-03-12T08:00:00.000Z');
    const task = await createTask({ dueAt: '2025-03-13T10:00:00Z' });
    const absence = await api.call(
      'POST',
      `/api/v1/users/${agent.id}/absences`,
      { startsAt: '2025-03-12T12:00:00Z', endsAt: '2025-03-14T00:00:00Z', substituteId: colleague.id, reason: 'sick' },
      agent.auth,
    );
    expect(absence.status, JSON.stringify(absence.body)).toBe(201);
    expect(absence.body).toMatchObject({ absence: { userId: agent.id, substituteId: colleague.id }, moved: [], needsAttention: [] });
    const mine = async (user: User) =>
      (await api.call('GET', '/api/v1/tasks?owner=me&status=open', undefined, user.auth)).body.items.map((t: { id: string }) => t.id);
    // Before the absence starts the task is the owner's.
    expect(await mine(colleague)).not.toContain(task.id);
    api.clock.set('2025-03-13T09:45:00.000Z');
    expect(await mine(colleague)).toContain(task.id);
    expect(await mine(agent)).toContain(task.id);
    const shown = await api.call('GET', `/api/v1/tasks/${task.id}`, undefined, colleague.auth);
    expect(shown.body).toMatchObject({ ownerId: agent.id, effectiveOwnerId: colleague.id, handedOver: true });
    await runReminders();
    const sent = await reminders(task.id);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ recipient: `user:${colleague.id}`, address: await emailOf(colleague.id) });
    expect(sent[0].body).toContain('absent');
    // Cancelled absence: the task is the owner's again.
    const cancelled = await api.app.inject({ method: 'DELETE', url: `/api/v1/users/${agent.id}/absences/${absence.body.absence.id}`, headers: agent.auth });
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json().cancelledAt).toBe('2025-03-13T09:45:00.000Z');
    expect(await mine(colleague)).not.toContain(task.id);
    expect((await api.call('GET', `/api/v1/tasks/${task.id}`, undefined, agent.auth)).body).toMatchObject({ effectiveOwnerId: agent.id, handedOver: false });
  });
});

describe('absences of any user', () => {
  test('only an admin or the user themself; the substitute is an active staff user', async () => {
    const other = await api.call(
      'POST',
      `/api/v1/users/${agent.id}/absences`,
      { startsAt: '2025-04-01T00:00:00Z', endsAt: '2025-04-02T00:00:00Z' },
      colleague.auth,
    );
    expect(other.status).toBe(403);
    const self = await api.call(
      'POST',
      `/api/v1/users/${agent.id}/absences`,
      { startsAt: '2025-04-01T00:00:00Z', endsAt: '2025-04-02T00:00:00Z', substituteId: agent.id },
      agent.auth,
    );
    expect(fieldsOf(self.body)).toEqual(['body.substituteId']);
    const backwards = await api.call('POST', `/api/v1/users/${agent.id}/absences`, { startsAt: '2025-04-02T00:00:00Z', endsAt: '2025-04-01T00:00:00Z' });
    expect(fieldsOf(backwards.body)).toEqual(['body.endsAt']);
    const byAdmin = await api.call('POST', `/api/v1/users/${agent.id}/absences`, { startsAt: '2025-04-01T00:00:00Z', endsAt: '2025-04-02T00:00:00Z' });
    expect(byAdmin.status).toBe(201);
    const list = await api.call('GET', `/api/v1/users/${agent.id}/absences`, undefined, colleague.auth);
    expect(list.body.items.map((a: { id: string }) => a.id)).toContain(byAdmin.body.absence.id);
    expect((await api.call('GET', '/api/v1/users/00000000-0000-4000-8000-000000000000/absences')).status).toBe(404);
  });

  test("a technician's absence is the same record under /technicians and /users", async () => {
    const tech = await api.user('technician');
    const sub = await api.user('technician');
    const viaUsers = await api.call(
      'POST',
      `/api/v1/users/${tech.id}/absences`,
      { startsAt: '2025-05-01T00:00:00Z', endsAt: '2025-05-03T00:00:00Z', substituteId: sub.id },
      tech.auth,
    );
    expect(viaUsers.status, JSON.stringify(viaUsers.body)).toBe(201);
    const technicianList = await api.call('GET', `/api/v1/technicians/${tech.id}/absences`);
    expect(technicianList.body.items).toEqual([expect.objectContaining({ id: viaUsers.body.absence.id, technicianId: tech.id, substituteId: sub.id })]);
    const viaTechnicians = await api.call('POST', `/api/v1/technicians/${tech.id}/absences`, {
      startsAt: '2025-06-01T00:00:00Z',
      endsAt: '2025-06-02T00:00:00Z',
    });
    expect(viaTechnicians.status).toBe(201);
    const userList = await api.call('GET', `/api/v1/users/${tech.id}/absences`, undefined, tech.auth);
    expect(userList.body.items.map((a: { id: string }) => a.id)).toEqual([viaUsers.body.absence.id, viaTechnicians.body.absence.id]);
    // A technician's substitute must be a technician (visits move to them).
    const agentSub = await api.call('POST', `/api/v1/users/${tech.id}/absences`, {
      startsAt: '2025-07-01T00:00:00Z',
      endsAt: '2025-07-02T00:00:00Z',
      substituteId: agent.id,
    });
    expect(fieldsOf(agentSub.body)).toEqual(['body.substituteId']);
  });
});
