import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { auditTrail } from '../../src/access/audit/audit.service.js';
import { fieldsOf, seedCustomer, startServiceApi, type ServiceApi } from '../service/service-fixture.js';

let api: ServiceApi;
let agent: { id: string; auth: { authorization: string } };
beforeAll(async () => {
  api = await startServiceApi('2025-03-10T08:00:00.000Z');
  agent = await api.user('agent');
});
afterAll(async () => {
  await api?.close();
});

describe('contacts', () => {
  test('create, read with ETag, update with If-Match, audit', async () => {
    const { customerId } = await seedCustomer(api, 0);
    const created = await api.call(
      'POST',
      '/api/v1/contacts',
      {
        customerId,
        name: 'Greta Maier',
        jobTitle: 'Facility manager',
        emails: [{ address: 'greta@example.test', label: 'work' }],
        phones: [{ number: '+49 30 1234567', label: 'office' }],
        preferredChannel: 'phone',
        language: 'de',
        optOuts: ['marketing'],
      },
      agent.auth,
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.headers.etag).toBe('"1"');
    expect(created.body).toMatchObject({ customerId, isPrimary: false, optOuts: ['marketing'], custom: {}, language: 'de' });
    const id = created.body.id;
    const read = await api.call('GET', `/api/v1/contacts/${id}`);
    expect(read.body).toEqual(created.body);
    const stale = await api.call('PATCH', `/api/v1/contacts/${id}`, { jobTitle: 'Head of facilities' }, { 'if-match': '"0"' });
    expect(stale.status).toBe(412);
    const updated = await api.call('PATCH', `/api/v1/contacts/${id}`, { jobTitle: 'Head of facilities', language: null }, { 'if-match': '"1"' });
    expect(updated.body).toMatchObject({ jobTitle: 'Head of facilities', language: null, version: 2 });
    expect(updated.headers.etag).toBe('"2"');
    const trail = await auditTrail(api.db, 'contact', id);
    expect(trail.map((e) => e.action)).toEqual(['create', 'update']);
    expect(trail[1]!.changes).toMatchObject({ jobTitle: { from: 'Facility manager', to: 'Head of facilities' } });
  });

  test('one primary contact per customer: a new primary demotes the old one', async () => {
    const { customerId } = await seedCustomer(api, 0);
    const first = await api.call('POST', '/api/v1/contacts', { customerId, name: 'First', isPrimary: true });
    const second = await api.call('POST', '/api/v1/contacts', { customerId, name: 'Second', isPrimary: true });
    expect(second.body.isPrimary).toBe(true);
    expect((await api.call('GET', `/api/v1/contacts/${first.body.id}`)).body.isPrimary).toBe(false);
    await api.call('PATCH', `/api/v1/contacts/${first.body.id}`, { isPrimary: true });
    const primaries = await api.call('GET', `/api/v1/contacts?customerId=${customerId}&isPrimary=true`);
    expect(primaries.body.items.map((c: { name: string }) => c.name)).toEqual(['First']);
  });

  test('list: filters, search by name or e-mail, cursor pagination without gaps', async () => {
    const { customerId } = await seedCustomer(api, 0);
    const names = ['Anna', 'bert', 'Carla', 'Dieter', 'Eva'];
    for (const name of names) await api.call('POST', '/api/v1/contacts', { customerId, name, emails: [{ address: `${name.toLowerCase()}@acme.test` }] });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { name: string }[]; nextCursor: string | null } } = await api.call(
        'GET',
        `/api/v1/contacts?customerId=${customerId}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((c) => c.name));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(names);
    const byMail = await api.call('GET', `/api/v1/contacts?customerId=${customerId}&q=carla@acme`);
    expect(byMail.body.items.map((c: { name: string }) => c.name)).toEqual(['Carla']);
    const desc = await api.call('GET', `/api/v1/contacts?customerId=${customerId}&sort=-name&limit=1`);
    expect(desc.body.items[0].name).toBe('Eva');
  });

  test("customer users read only their own customer's contacts", async () => {
    const mine = await seedCustomer(api, 0);
    const other = await seedCustomer(api, 0);
    const own = await api.call('POST', '/api/v1/contacts', { customerId: mine.customerId, name: 'Mine' });
    const foreign = await api.call('POST', '/api/v1/contacts', { customerId: other.customerId, name: 'Theirs' });
    const user = await api.user('customer', { customerId: mine.customerId });
    const list = await api.call('GET', '/api/v1/contacts', undefined, user.auth);
    expect(list.body.items.map((c: { id: string }) => c.id)).toEqual([own.body.id]);
    expect((await api.call('GET', `/api/v1/contacts/${foreign.body.id}`, undefined, user.auth)).status).toBe(404);
    expect((await api.call('POST', '/api/v1/contacts', { customerId: mine.customerId, name: 'X' }, user.auth)).status).toBe(403);
  });

  test('bad input is 400 naming the fields', async () => {
    const { customerId } = await seedCustomer(api, 0);
    const cases: [string, string, unknown, string[]][] = [
      ['POST', '/api/v1/contacts', { name: 'No customer' }, ['body.customerId']],
      ['POST', '/api/v1/contacts', { customerId, name: '' }, ['body.name']],
      ['POST', '/api/v1/contacts', { customerId, name: 'A', emails: [{ address: 'not-mail' }] }, ['body.emails.0.address']],
      ['POST', '/api/v1/contacts', { customerId, name: 'A', phones: [{ number: 'call me' }] }, ['body.phones.0.number']],
      ['POST', '/api/v1/contacts', { customerId, name: 'A', preferredChannel: 'pigeon' }, ['body.preferredChannel']],
      ['POST', '/api/v1/contacts', { customerId, name: 'A', language: 'German' }, ['body.language']],
      ['POST', '/api/v1/contacts', { customerId, name: 'A', optOuts: ['fax'] }, ['body.optOuts.0']],
      ['POST', '/api/v1/contacts', { customerId, name: 'A', preferredChannel: 'email', optOuts: ['email'] }, ['body.preferredChannel']],
      ['POST', '/api/v1/contacts', { customerId: '00000000-0000-4000-8000-000000000000', name: 'A' }, ['body.customerId']],
      ['POST', '/api/v1/contacts', { customerId, name: 'A', custom: { nope: 1 } }, ['body.custom.nope']],
      ['GET', '/api/v1/contacts?limit=0', undefined, ['querystring.limit']],
      ['GET', '/api/v1/contacts?customerId=zz', undefined, ['querystring.customerId']],
      ['GET', '/api/v1/contacts/nope', undefined, ['params.id']],
    ];
    for (const [method, url, body, fields] of cases) {
      const reply = await api.call(method as 'GET', url, body);
      expect(reply.status, `${method} ${url} ${JSON.stringify(body)}`).toBe(400);
      expect(fieldsOf(reply.body), `${method} ${url} ${JSON.stringify(body)}`).toEqual(fields);
    }
    const contact = await api.call('POST', '/api/v1/contacts', { customerId, name: 'A', preferredChannel: 'email' });
    const optOut = await api.call('PATCH', `/api/v1/contacts/${contact.body.id}`, { optOuts: ['email'] });
    expect(fieldsOf(optOut.body)).toEqual(['body.preferredChannel']);
    const unknownField = await api.call('PATCH', `/api/v1/contacts/${contact.body.id}`, { customerId });
    expect(unknownField.status).toBe(400);
  });
});

describe('activities', () => {
  test('linked to contact, asset and ticket; customer derived; author is the caller', async () => {
    const { customerId, assetIds } = await seedCustomer(api, 1);
    const contact = await api.call('POST', '/api/v1/contacts', { customerId, name: 'Caller' });
    const ticket = await api.call('POST', '/api/v1/tickets', { channel: 'phone', type: 'breakdown', title: 'Noisy', assetId: assetIds[0] });
    const call = await api.call(
      'POST',
      '/api/v1/activities',
      {
        kind: 'call',
        direction: 'inbound',
        subject: 'Reports noise',
        contactId: contact.body.id,
        assetId: assetIds[0],
        ticketId: ticket.body.id,
        durationMinutes: 7,
      },
      agent.auth,
    );
    expect(call.status, JSON.stringify(call.body)).toBe(201);
    expect(call.body).toMatchObject({
      customerId,
      author: { type: 'user', id: agent.id, name: 'A agent' },
      occurredAt: '2025-03-10T08:00:00.000Z',
      durationMinutes: 7,
    });
    const note = await api.call('POST', '/api/v1/activities', {
      kind: 'note',
      subject: 'Internal',
      body: 'Difficult customer',
      assetId: assetIds[0],
      occurredAt: '2025-03-10T09:00:00Z',
    });
    expect(note.body).toMatchObject({ direction: 'internal', customerId, author: { type: 'admin_token', name: null } });
    for (const [filter, id, expected] of [
      ['contactId', contact.body.id, [call.body.id]],
      ['assetId', assetIds[0], [note.body.id, call.body.id]],
      ['ticketId', ticket.body.id, [call.body.id]],
      ['customerId', customerId, [note.body.id, call.body.id]],
    ] as const) {
      const list = await api.call('GET', `/api/v1/activities?${filter}=${id}`);
      expect(
        list.body.items.map((a: { id: string }) => a.id),
        filter,
      ).toEqual(expected);
    }
  });

  test('newest first with cursor pagination; customer users never see internal notes', async () => {
    const { customerId } = await seedCustomer(api, 0);
    const kinds = ['email', 'note', 'meeting', 'call', 'note'] as const;
    const ids: string[] = [];
    for (const [i, kind] of kinds.entries()) {
      const reply = await api.call('POST', '/api/v1/activities', {
        kind,
        direction: kind === 'call' || kind === 'email' ? 'outbound' : undefined,
        subject: `#${i}`,
        customerId,
        occurredAt: `2025-03-0${i + 1}T09:00:00Z`,
      });
      expect(reply.status, JSON.stringify(reply.body)).toBe(201);
      ids.push(reply.body.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { id: string }[]; nextCursor: string | null } } = await api.call(
        'GET',
        `/api/v1/activities?customerId=${customerId}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...page.body.items.map((a) => a.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    const user = await api.user('customer', { customerId });
    const visible = await api.call('GET', `/api/v1/activities?customerId=${customerId}`, undefined, user.auth);
    expect(visible.body.items.map((a: { kind: string }) => a.kind)).toEqual(['call', 'meeting', 'email']);
    expect((await api.call('GET', `/api/v1/activities/${ids[1]}`, undefined, user.auth)).status).toBe(404);
    expect((await api.call('GET', `/api/v1/activities/${ids[0]}`, undefined, user.auth)).status).toBe(200);
    const other = await seedCustomer(api, 0);
    const stranger = await api.user('customer', { customerId: other.customerId });
    expect((await api.call('GET', `/api/v1/activities/${ids[0]}`, undefined, stranger.auth)).status).toBe(404);
    expect((await api.call('GET', `/api/v1/activities?customerId=${customerId}`, undefined, stranger.auth)).body.items).toEqual([]);
  });

  test('PATCH corrects content with If-Match; links are fixed', async () => {
    const { customerId } = await seedCustomer(api, 0);
    const created = await api.call('POST', '/api/v1/activities', { kind: 'meeting', subject: 'Kick-off', customerId });
    const stale = await api.call('PATCH', `/api/v1/activities/${created.body.id}`, { subject: 'Kick-off meeting' }, { 'if-match': '"9"' });
    expect(stale.status).toBe(412);
    const ok = await api.call(
      'PATCH',
      `/api/v1/activities/${created.body.id}`,
      { subject: 'Kick-off meeting', durationMinutes: 45 },
      { 'if-match': created.headers.etag as string },
    );
    expect(ok.body).toMatchObject({ subject: 'Kick-off meeting', durationMinutes: 45, version: 2 });
    const relink = await api.call('PATCH', `/api/v1/activities/${created.body.id}`, { customerId });
    expect(relink.status).toBe(400);
  });

  test('bad input is 400 naming the fields, including links of different customers', async () => {
    const a = await seedCustomer(api, 1);
    const b = await seedCustomer(api, 0);
    const missing = '00000000-0000-4000-8000-000000000000';
    const cases: [unknown, string[]][] = [
      [{ kind: 'note', subject: 'No link' }, ['body.customerId']],
      [{ kind: 'call', subject: 'No direction', customerId: a.customerId }, ['body.direction']],
      [{ kind: 'visit', subject: 'x', customerId: a.customerId }, ['body.kind']],
      [{ kind: 'note', subject: '', customerId: a.customerId }, ['body.subject']],
      [{ kind: 'note', subject: 'x', customerId: a.customerId, occurredAt: 'yesterday' }, ['body.occurredAt']],
      [{ kind: 'note', subject: 'x', customerId: a.customerId, durationMinutes: -1 }, ['body.durationMinutes']],
      [{ kind: 'note', subject: 'x', customerId: missing }, ['body.customerId']],
      [{ kind: 'note', subject: 'x', ticketId: missing }, ['body.ticketId']],
      [{ kind: 'note', subject: 'x', customerId: b.customerId, assetId: a.assetIds[0] }, ['body.assetId']],
    ];
    for (const [body, fields] of cases) {
      const reply = await api.call('POST', '/api/v1/activities', body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(fieldsOf(reply.body), JSON.stringify(body)).toEqual(fields);
    }
    expect(fieldsOf((await api.call('GET', '/api/v1/activities?kind=fax')).body)).toEqual(['querystring.kind']);
    expect(fieldsOf((await api.call('GET', '/api/v1/activities?cursor=garbage')).body)).toEqual(['query.cursor']);
    const technician = await api.user('technician');
    expect((await api.call('POST', '/api/v1/activities', { kind: 'note', subject: 'x', customerId: a.customerId }, technician.auth)).status).toBe(403);
    expect((await api.call('GET', `/api/v1/activities?customerId=${a.customerId}`, undefined, technician.auth)).status).toBe(200);
  });
});
