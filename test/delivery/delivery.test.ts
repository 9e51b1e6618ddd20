import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../../src/service/delivery/webhook-signature.js';
import { waitFor } from '../harness/servers.js';
import { openStream, startDeliveryWorld, startReceiver, type DeliveryWorld, type SseClient } from './delivery-fixture.js';

let world: DeliveryWorld;
let customerId: string;
const streams: SseClient[] = [];

beforeAll(async () => {
  world = await startDeliveryWorld();
  customerId = (await world.call('POST', '/api/v1/customers', { name: 'Delivery customer' })).body.id;
});
afterAll(async () => {
  for (const s of streams) s.close();
  await world?.close();
});

const newTicket = (title: string) => world.call('POST', '/api/v1/tickets', { channel: 'phone', type: 'breakdown', title, customerId });

describe('ticket stream (SSE)', () => {
  it('pushes ticket.created and ticket.status_changed to a dispatcher', async () => {
    const stream = await openStream(world.base, await world.token('dispatcher'));
    streams.push(stream);
    expect(stream.status).toBe(200);
    expect(stream.contentType).toContain('text/event-stream');

    const created = await newTicket('Compressor noise');
    expect(created.status).toBe(201);
    await waitFor(
      async () => stream.events.some((e) => e.event === 'ticket.created' && e.data.ticketId === created.body.id),
      'ticket.created on the stream',
      5000,
    );
    const event = stream.events.find((e) => e.data.ticketId === created.body.id)!;
    expect(event.id).toBe(event.data.id);
    expect(event.data.ticket.title).toBe('Compressor noise');

    const moved = await world.call('POST', `/api/v1/tickets/${created.body.id}/transitions`, { to: 'cancelled', reason: 'duplicate call' });
    expect(moved.status).toBe(200);
    await waitFor(async () => stream.events.some((e) => e.event === 'ticket.status_changed'), 'ticket.status_changed on the stream', 5000);
    const changed = stream.events.find((e) => e.event === 'ticket.status_changed')!;
    expect(changed.data).toMatchObject({ ticketId: created.body.id, from: 'new', to: 'cancelled' });
  });

  it('refuses roles other than admin and dispatcher', async () => {
    const agent = await openStream(world.base, await world.token('agent'));
    expect(agent.status).toBe(403);
    const technician = await openStream(world.base, await world.token('technician'));
    expect(technician.status).toBe(403);
  });
});

describe('webhooks', () => {
  it('refuses bad URLs at creation and never shows the secret again', async () => {
    for (const url of ['ftp://example.test/hook', 'http://user:pass@example.test/hook', 'not a url', 'javascript:alert(1)']) {
      const refused = await world.call('POST', '/api/v1/webhooks', { url });
      expect(refused.status, url).toBe(400);
    }
    const created = await world.call('POST', '/api/v1/webhooks', { url: 'https://example.test/hook', events: ['ticket.status_changed'], active: false });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^[0-9a-f]{64}$/);
    const read = await world.call('GET', `/api/v1/webhooks/${created.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body.secret).toBeUndefined();
    expect(read.body.events).toEqual(['ticket.status_changed']);
    const agent = await world.call('GET', '/api/v1/webhooks', undefined, await world.token('dispatcher'));
    expect(agent.status).toBe(403);
    expect((await world.call('DELETE', `/api/v1/webhooks/${created.body.id}`)).status).toBe(204);
    expect((await world.call('GET', `/api/v1/webhooks/${created.body.id}`)).status).toBe(404);
  });

  it('signs the payload, retries with backoff after two failures and logs every attempt', async () => {
    const receiver = await startReceiver([500, 503]);
    const secret = 'a-shared-secret-of-the-receiver';
    try {
      const hook = await world.call('POST', '/api/v1/webhooks', { url: receiver.url, secret, events: ['ticket.created'] });
      expect(hook.status).toBe(201);
      const created = await newTicket('Leaking valve');
      // Only ticket.created is subscribed: the transition below must not be delivered.
      await world.call('POST', `/api/v1/tickets/${created.body.id}/transitions`, { to: 'cancelled' });

      const log = async () => (await world.call('GET', `/api/v1/webhooks/${hook.body.id}/deliveries`)).body.items as Array<Record<string, unknown>>;
      await waitFor(async () => (await log()).some((a) => a.status === 'delivered'), 'the delivery to succeed', 10_000);
      const attempts = (await log()).reverse();
      expect(attempts.map((a) => [a.attempt, a.status, a.responseCode])).toEqual([
        [1, 'failed', 500],
        [2, 'failed', 503],
        [3, 'delivered', 200],
      ]);
      expect(new Set(attempts.map((a) => a.deliveryId)).size).toBe(1);

      expect(receiver.received).toHaveLength(3);
      for (const hit of receiver.received) {
        expect(verifySignature(secret, hit.body, hit.headers['x-telemend-signature'] as string)).toBe(true);
        expect(verifySignature('another-secret-entirely', hit.body, hit.headers['x-telemend-signature'] as string)).toBe(false);
        expect(hit.headers['x-telemend-event']).toBe('ticket.created');
        expect(hit.headers['x-telemend-delivery']).toBe(attempts[0]!.deliveryId);
        expect(JSON.parse(hit.body)).toMatchObject({ type: 'ticket.created', ticketId: created.body.id });
      }
    } finally {
      await receiver.close();
    }
  });
});
