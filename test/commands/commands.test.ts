/**
 * Commands to devices through the embedded broker: validated against the model (404 / 400
 * naming the field), published on devices/{id}/commands with a correlation id, answered on
 * devices/{id}/command-results, stored with each state, audited, streamed, listed on the asset and
 * the ticket; an offline device with a persistent session gets it when it reconnects; a command
 * nobody answers times out.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { MqttClient } from 'mqtt';
import { waitFor } from '../harness/servers.js';
import { provisionDevice, startTestPlatform, type ProvisionedDevice, type TestPlatform } from '../harness/platform.js';
import { connectDevice, publish } from '../harness/devices.js';

interface Command {
  id: string;
  state: string;
  command: string;
  parameters: Record<string, unknown>;
  ticketId: string | null;
  message: string | null;
  result: Record<string, unknown> | null;
  history?: { action: string; actor: { type: string; id: string } }[];
}

let t: TestPlatform;
let device: ProvisionedDevice;
const MODEL = 'centrifugal-pump-cp80';

beforeAll(async () => {
  t = await startTestPlatform();
  device = await provisionDevice(t.call, MODEL);
});
afterAll(async () => {
  await t?.stop();
});

const send = (body: unknown, assetId = device.assetId) =>
  t.call<Command & { code?: string; fields?: { field: string }[] }>('POST', `/api/v1/assets/${assetId}/commands`, body);
const stateOf = async (id: string) => (await t.call<Command>('GET', `/api/v1/commands/${id}`)).body;

function nextMessage(client: MqttClient): Promise<{ topic: string; payload: Record<string, unknown> }> {
  return new Promise((resolve) =>
    client.once('message', (topic, payload) => resolve({ topic, payload: JSON.parse(payload.toString()) as Record<string, unknown> })),
  );
}

describe('sending a command', () => {
  test('an unknown command is a 404, a bad parameter a 400 naming the field', async () => {
    const unknown = await send({ command: 'self_destruct' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('NOT_FOUND');

    const outOfRange = await send({ command: 'set_speed', parameters: { percent: 250 } });
    expect(outOfRange.status).toBe(400);
    expect(outOfRange.body.code).toBe('VALIDATION_FAILED');
    expect(outOfRange.body.fields?.map((f) => f.field)).toEqual(['body.parameters.percent']);

    const missing = await send({ command: 'reset_trip', parameters: {} });
    expect(missing.status).toBe(400);
    expect(missing.body.fields?.map((f) => f.field)).toEqual(['body.parameters.code']);

    const extra = await send({ command: 'set_speed', parameters: { percent: 50, turbo: true } });
    expect(extra.status).toBe(400);
  });

  test('the device receives it, answers, and every state is stored, audited and streamed', async () => {
    const stream = await fetch(`${t.api}/api/v1/stream/commands`, { headers: { authorization: `Bearer ${t.adminToken}` } });
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    let streamed = '';
    const reading = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        streamed += Buffer.from(value).toString();
      }
    })();
    await waitFor(async () => streamed.includes(': connected'), 'the command stream');

    const client = await connectDevice(t.mqttPort, device.deviceId, device.token, { clean: false });
    await new Promise<void>((resolve, reject) => client.subscribe(`devices/${device.deviceId}/commands`, { qos: 1 }, (e) => (e ? reject(e) : resolve())));
    const received = nextMessage(client);
    const sent = await send({ command: 'set_speed', parameters: { percent: 75 } });
    expect(sent.status).toBe(202);
    expect(sent.body.state).toBe('pending');

    const message = await received;
    expect(message.topic).toBe(`devices/${device.deviceId}/commands`);
    expect(message.payload).toMatchObject({
      id: sent.body.id,
      command: 'set_speed',
      parameters: { percent: 75 },
      responseTopic: `devices/${device.deviceId}/command-results`,
    });
    await waitFor(async () => (await stateOf(sent.body.id)).state === 'sent', 'sent');

    const results = `devices/${device.deviceId}/command-results`;
    await publish(client, results, { id: sent.body.id, status: 'acknowledged' });
    expect((await stateOf(sent.body.id)).state).toBe('acknowledged');
    await publish(client, results, { id: sent.body.id, status: 'succeeded', message: 'speed now 75 %', data: { rpm: 2200 } });
    const done = await stateOf(sent.body.id);
    expect(done).toMatchObject({ state: 'succeeded', message: 'speed now 75 %', result: { rpm: 2200 } });
    expect(done.history?.map((h) => h.action)).toEqual(['created', 'sent', 'acknowledged', 'succeeded']);
    expect(done.history?.[0]?.actor.type).toBe('admin_token');
    expect(done.history?.[3]?.actor).toEqual({ type: 'system', id: `device:${device.deviceId}` });

    // A repeated or late answer changes nothing; a bad one is refused into the rejection log, never a crash.
    await publish(client, results, { id: sent.body.id, status: 'failed' });
    await publish(client, results, 'not json');
    expect((await stateOf(sent.body.id)).state).toBe('succeeded');
    const rejected = await t.call<{ items: { reason: string; topic: string }[] }>('GET', `/api/v1/rejections?deviceId=${device.deviceId}`);
    expect(rejected.body.items.some((r) => r.topic === results && r.reason === 'not_json')).toBe(true);

    const listed = await t.call<{ items: Command[] }>('GET', `/api/v1/assets/${device.assetId}/commands`);
    expect(listed.body.items[0]).toMatchObject({ id: sent.body.id, state: 'succeeded' });

    await waitFor(async () => streamed.includes(`"state":"succeeded"`), 'the succeeded event on the stream');
    expect(streamed).toContain('event: command.created');
    expect(streamed).toContain('event: command.state_changed');
    await reader.cancel();
    await reading.catch(() => undefined);
    client.end(true);
  });

  test('a command sent while the device is offline arrives when it reconnects (persistent session)', async () => {
    const first = await connectDevice(t.mqttPort, device.deviceId, device.token, { clean: false });
    await new Promise<void>((resolve) => first.subscribe(`devices/${device.deviceId}/commands`, { qos: 1 }, () => resolve()));
    await new Promise<void>((resolve) => first.end(false, {}, () => resolve()));

    const sent = await send({ command: 'reset_trip', parameters: { code: 'DRY-RUN' } });
    expect(sent.status).toBe(202);
    await waitFor(async () => (await stateOf(sent.body.id)).state === 'sent', 'sent to the offline session');

    const again = await connectDevice(t.mqttPort, device.deviceId, device.token, { clean: false });
    const message = await new Promise<Record<string, unknown>>((resolve) =>
      again.on('message', (_t, p) => {
        const body = JSON.parse(p.toString()) as Record<string, unknown>;
        if (body.id === sent.body.id) resolve(body);
      }),
    );
    expect(message).toMatchObject({ command: 'reset_trip', parameters: { code: 'DRY-RUN' } });
    again.end(true);
  });

  test('commands on a ticket are listed with it; a ticket of another asset is a 400', async () => {
    const ticket = await t.call<{ id: string }>('POST', '/api/v1/tickets', {
      channel: 'phone',
      type: 'breakdown',
      assetId: device.assetId,
      title: 'Pump tripped',
      priority: 'high',
    });
    expect(ticket.status).toBe(201);
    const sent = await send({ command: 'diagnostic_dump', parameters: { minutes: 30 }, ticketId: ticket.body.id });
    expect(sent.status).toBe(202);
    const onTicket = await t.call<{ items: Command[] }>('GET', `/api/v1/tickets/${ticket.body.id}/commands`);
    expect(onTicket.body.items.map((c) => c.id)).toEqual([sent.body.id]);

    const other = await provisionDevice(t.call, MODEL);
    const wrong = await send({ command: 'diagnostic_dump', ticketId: ticket.body.id }, other.assetId);
    expect(wrong.status).toBe(400);
    expect(wrong.body.fields?.map((f) => f.field)).toEqual(['body.ticketId']);
  });
});
