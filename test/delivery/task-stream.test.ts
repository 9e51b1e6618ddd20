/** GET /stream/tasks: a task reminder reaches its user's open streams live, and nobody else's. */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { settableClock } from '../../src/kernel/clock.js';
import { waitFor } from '../harness/servers.js';
import { openStream, startDeliveryWorld, type DeliveryWorld, type SseClient } from './delivery-fixture.js';

let world: DeliveryWorld;
const streams: SseClient[] = [];
beforeAll(async () => {
  world = await startDeliveryWorld({ clock: settableClock('2025-03-10T08:00:00.000Z') });
});
afterAll(async () => {
  for (const s of streams) s.close();
  await world?.close();
});

async function remindedTask(token: string, title: string) {
  const task = await world.call('POST', '/api/v1/tasks', { title, dueAt: '2025-03-10T09:00:00Z', remindAt: '2025-03-10T08:00:00Z' }, token);
  expect(task.status, JSON.stringify(task.body)).toBe(201);
  const run = await world.call('POST', '/api/v1/tasks/reminders/run');
  expect(run.body).toEqual({ sent: 1 });
  return task.body as { id: string; ownerId: string };
}

test("each user's stream carries that user's reminders only", async () => {
  const alice = await world.token('agent');
  const bob = await world.token('dispatcher');
  const aliceStream = await openStream(world.base, alice, '/api/v1/stream/tasks');
  const bobStream = await openStream(world.base, bob, '/api/v1/stream/tasks');
  streams.push(aliceStream, bobStream);
  expect(aliceStream.status).toBe(200);
  expect(aliceStream.contentType).toContain('text/event-stream');

  const first = await remindedTask(alice, 'Call Mrs Berg back');
  await waitFor(async () => aliceStream.events.length === 1, "alice's reminder");
  const event = aliceStream.events[0]!;
  expect(event.event).toBe('task.reminder');
  expect(event.data).toMatchObject({ type: 'task.reminder', userId: first.ownerId, task: { id: first.id, title: 'Call Mrs Berg back' } });

  const second = await remindedTask(bob, 'Order the valve');
  await waitFor(async () => bobStream.events.length === 1, "bob's reminder");
  // Bob's first event is his own: alice's reminder, published before, never reached his stream.
  expect((bobStream.events[0]!.data as unknown as { task: { id: string } }).task.id).toBe(second.id);
  expect(aliceStream.events).toHaveLength(1);
});
