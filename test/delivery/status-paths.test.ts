/**
 * Issue #13: every change of a ticket's status, whatever path makes it, reaches the live feed
 * (SSE), the webhooks and the notifications — here a dispatch-driven change (one-click dispatch:
 * new → scheduled) and visit-driven ones (the technician sets out: → en_route; the visit closes
 * as fixed: → resolved). Before the modules, dispatch and visits built their own TicketsService
 * without events, and setting out reached neither the feed nor the webhooks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Notifier } from '../../src/service/notifications/notifier.js';
import { waitFor } from '../harness/servers.js';
import { openStream, startDeliveryWorld, startReceiver, type DeliveryWorld, type SseClient } from './delivery-fixture.js';

const ALL_DAY = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [['00:00', '24:00']]]));

let world: DeliveryWorld;
let stream: SseClient;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  world = await startDeliveryWorld({ notifier: new Notifier() });
  receiver = await startReceiver();
  expect((await world.call('POST', '/api/v1/webhooks', { url: receiver.url, events: ['ticket.status_changed'] })).status).toBe(201);
  stream = await openStream(world.base, await world.token('dispatcher'));
  expect(stream.status).toBe(200);
});
afterAll(async () => {
  stream?.close();
  await receiver?.close();
  await world?.close();
});

async function place(): Promise<{ customerId: string; ticketId: string; technicianId: string }> {
  const customerId = (await world.call('POST', '/api/v1/customers', { name: 'Status paths customer' })).body.id as string;
  const site = await world.call('POST', '/api/v1/sites', { customerId, name: 'Plant', latitude: 48.137, longitude: 11.575 });
  expect(site.status).toBe(201);
  // The primary contact receives the customer notifications (by e-mail, through the outbox).
  const contact = await world.call('POST', '/api/v1/contacts', { customerId, name: 'Pat Primary', emails: [{ address: 'pat@example.test' }], isPrimary: true });
  expect(contact.status).toBe(201);
  const ticket = await world.call('POST', '/api/v1/tickets', {
    channel: 'phone',
    type: 'breakdown',
    title: 'Chiller too warm',
    customerId,
    siteId: site.body.id,
  });
  expect(ticket.status).toBe(201);
  const user = await world.call('POST', '/api/v1/users', {
    email: `tech-${ticket.body.id.slice(0, 8)}@example.test`,
    name: 'Tina Tech',
    role: 'technician',
    password: 'a-long-technician-password-1',
  });
  expect(user.status).toBe(201);
  expect(
    (await world.call('PUT', `/api/v1/technicians/${user.body.id}`, { timezone: 'UTC', workingHours: ALL_DAY, homeBase: { lat: 48.14, lon: 11.58 } })).status,
  ).toBe(200);
  return { customerId, ticketId: ticket.body.id, technicianId: user.body.id };
}

const statusChanges = (ticketId: string) =>
  stream.events.filter((e) => e.event === 'ticket.status_changed' && e.data.ticketId === ticketId).map((e) => `${e.data.from}→${e.data.to}`);
const deliveredChanges = (ticketId: string) =>
  receiver.received
    .map((r) => JSON.parse(r.body) as { type: string; ticketId: string; from?: string; to?: string })
    .filter((e) => e.type === 'ticket.status_changed' && e.ticketId === ticketId)
    .map((e) => `${e.from}→${e.to}`);
async function outbox(ticketId: string): Promise<string[]> {
  const { rows } = await world.db.query<{ event: string }>('SELECT event FROM notification_outbox WHERE ticket_id = $1 ORDER BY created_at, event', [ticketId]);
  return rows.map((r) => r.event);
}

describe('a ticket status change reaches the feed, the webhooks and the notifications whatever made it', () => {
  it('dispatch-driven (one-click dispatch), then visit-driven (en route, closed as fixed)', async () => {
    const { ticketId, technicianId } = await place();
    const start = new Date(Date.now() + 3_600_000);
    const dispatched = await world.call('POST', `/api/v1/tickets/${ticketId}/dispatch`, {
      technicianId,
      start: start.toISOString(),
      end: new Date(start.getTime() + 7_200_000).toISOString(),
    });
    expect(dispatched.status).toBe(200);
    expect(dispatched.body.ticket.status).toBe('scheduled');
    await waitFor(
      async () => statusChanges(ticketId).includes('new→scheduled') && deliveredChanges(ticketId).includes('new→scheduled'),
      'the dispatch on the feed and the webhook',
      10_000,
    );
    expect(await outbox(ticketId)).toContain('visit.scheduled');

    const visitId = dispatched.body.visit.id as string;
    expect((await world.call('POST', `/api/v1/visits/${visitId}/en-route`, { lat: 48.2, lon: 11.6 })).status).toBe(200);
    await waitFor(
      async () => statusChanges(ticketId).includes('scheduled→en_route') && deliveredChanges(ticketId).includes('scheduled→en_route'),
      'setting out on the feed and the webhook',
      10_000,
    );
    expect(await outbox(ticketId)).toContain('technician.en_route');

    const closed = await world.call('POST', `/api/v1/visits/${visitId}/close`, {
      outcome: 'fixed',
      resolutionNotes: 'Cleaned the condenser',
      actualStart: new Date().toISOString(),
      acceptance: { name: 'Pat Primary', confirmation: 'Cooling again' },
    });
    expect(closed.status).toBe(200);
    expect(closed.body.ticket.status).toBe('resolved');
    await waitFor(
      async () => statusChanges(ticketId).some((c) => c.endsWith('→resolved')) && deliveredChanges(ticketId).some((c) => c.endsWith('→resolved')),
      'the closing on the feed and the webhook',
      10_000,
    );
    expect(await outbox(ticketId)).toContain('visit.completed');
    // One event per change, not one per internal step.
    expect(statusChanges(ticketId).filter((c) => c.endsWith('→resolved'))).toHaveLength(1);
  });
});
