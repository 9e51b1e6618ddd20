/**
 * The SLA watch: `ticket.sla_at_risk` at the configured lead time and `ticket.sla_breached` once
 * the due time passed, on the live stream and to webhooks, each once per ticket and due time even
 * with two workers running it at once — real Redis, PGlite, BullMQ and a settable clock.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { settableClock } from '../../src/kernel/clock.js';
import { loadConfig } from '../../src/kernel/config.js';
import { createLogger } from '../../src/kernel/logger.js';
import { SlaWatchService } from '../../src/service/tickets/sla-watch.service.js';
import { ticketsModule } from '../../src/service/tickets/tickets.module.js';
import { TicketsService } from '../../src/service/tickets/tickets.service.js';
import { waitFor } from '../harness/servers.js';
import { openStream, startDeliveryWorld, startReceiver, type DeliveryWorld, type SseClient } from './delivery-fixture.js';

const clock = settableClock('2025-03-10T08:00:00.000Z');
let world: DeliveryWorld;
let customerId: string;
let stream: SseClient;

beforeAll(async () => {
  world = await startDeliveryWorld({ clock });
  customerId = (await world.call('POST', '/api/v1/customers', { name: 'SLA customer' })).body.id;
  stream = await openStream(world.base, await world.token('dispatcher'));
});
afterAll(async () => {
  stream?.close();
  await world?.close();
});

// Without a contract: 24×7, critical = response 4 h, resolution 24 h.
const critical = async (title: string) => (await world.call('POST', '/api/v1/tickets', { channel: 'phone', type: 'breakdown', priority: 'critical', title, customerId })).body as { id: string };
const slaEvents = (ticketId: string) => stream.events.filter((e) => e.data.ticketId === ticketId && e.event.startsWith('ticket.sla_'));

describe('SLA watch', () => {
  it('announces at risk, then breached, once each across two workers, live and to webhooks', async () => {
    const receiver = await startReceiver();
    try {
      const hook = await world.call('POST', '/api/v1/webhooks', { url: receiver.url, events: ['ticket.sla_at_risk', 'ticket.sla_breached'] });
      expect(hook.status).toBe(201);
      clock.set('2025-03-10T08:00:00Z');
      const ticket = await critical('Chiller down');
      const tickets = new TicketsService(world.db, clock);
      const workers = [1, 2].map(() => new SlaWatchService(world.db, clock, tickets, world.events, { leadMinutes: 30 }));
      const runBoth = async () => (await Promise.all(workers.map((w) => w.run()))).reduce((a, b) => ({ atRisk: a.atRisk + b.atRisk, breached: a.breached + b.breached }));

      clock.set('2025-03-10T11:00:00Z'); // response due 12:00: not yet within 30 min
      expect(await runBoth()).toEqual({ atRisk: 0, breached: 0 });
      clock.set('2025-03-10T11:35:00Z');
      expect(await runBoth()).toEqual({ atRisk: 1, breached: 0 });
      expect(await runBoth()).toEqual({ atRisk: 0, breached: 0 });
      await waitFor(async () => slaEvents(ticket.id).length === 1, 'ticket.sla_at_risk on the stream', 5000);
      expect(slaEvents(ticket.id)[0]).toMatchObject({ event: 'ticket.sla_at_risk', data: { type: 'ticket.sla_at_risk', sla: { target: 'response', dueAt: '2025-03-10T12:00:00.000Z', minutesLeft: 25 } } });

      clock.set('2025-03-10T12:01:00Z');
      expect(await runBoth()).toEqual({ atRisk: 0, breached: 1 });
      expect(await runBoth()).toEqual({ atRisk: 0, breached: 0 });
      await waitFor(async () => slaEvents(ticket.id).length === 2, 'ticket.sla_breached on the stream', 5000);
      expect(slaEvents(ticket.id)[1]).toMatchObject({ event: 'ticket.sla_breached', data: { sla: { target: 'response', minutesLeft: -1 }, ticket: { responseBreached: true } } });

      await waitFor(async () => receiver.received.length >= 2, 'both webhook deliveries', 10_000);
      expect(receiver.received.map((r) => JSON.parse(r.body).type)).toEqual(['ticket.sla_at_risk', 'ticket.sla_breached']);

      // Responded and resolved: nothing more to announce, even when the resolution due time passes.
      await world.call('POST', `/api/v1/tickets/${ticket.id}/transitions`, { to: 'cancelled', reason: 'duplicate' });
      clock.set('2025-03-11T09:00:00Z');
      await runBoth();
      expect(slaEvents(ticket.id)).toHaveLength(2);
    } finally {
      await receiver.close();
    }
  });

  it("the tickets module's worker task runs the watch with SLA_AT_RISK_LEAD_MINUTES", async () => {
    clock.set('2025-03-12T08:00:00Z');
    const ticket = await critical('Boiler lockout');
    clock.set('2025-03-12T10:30:00Z'); // 90 min before the response due time: at risk with a 120 min lead, not with 30
    const env = { TELEMEND_ADMIN_TOKEN: 'sla-admin-token-0123456789' };
    const config = loadConfig({}, { ...env, SLA_AT_RISK_LEAD_MINUTES: '120' });
    expect(config.SLA_AT_RISK_LEAD_MINUTES).toBe(120);
    expect(loadConfig({}, env).SLA_AT_RISK_LEAD_MINUTES).toBe(30);
    const built = ticketsModule.build({
      config,
      logger: createLogger('silent'),
      db: world.db,
      clock,
      redis: undefined as never,
      redisUrl: inject('redisUrl'),
      prefix: `sla${randomBytes(4).toString('hex')}`,
      ticketEvents: world.events,
    });
    const task = built.tasks!.find((t) => t.name === 'sla-watch')!;
    await task.start();
    try {
      await waitFor(async () => slaEvents(ticket.id).length === 1, 'ticket.sla_at_risk from the task', 10_000);
      expect(slaEvents(ticket.id)[0]!.data).toMatchObject({ type: 'ticket.sla_at_risk', sla: { target: 'response', minutesLeft: 90 } });
    } finally {
      await task.stop();
    }
  });
});
