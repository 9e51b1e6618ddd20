import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Aedes } from 'aedes';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freePort, waitFor } from '../harness/servers.js';
import { loadModels } from '../../src/telemetry/models/models.loader.js';
import type { EquipmentModel } from '../../src/telemetry/models/models.schema.js';
import { FleetInputError, parseCliArgs, runFleet, type FleetDevice } from '../../simulators/fleet.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const HOUR = 3_600_000;
const suffix = Math.random().toString(36).slice(2, 8);
const FLEET: FleetDevice[] = [
  { deviceId: `chiller-${suffix}`, token: 'tok-chiller', modelId: 'water-chiller-wc200', assetId: 'asset-1' },
  { deviceId: `pump-${suffix}`, token: 'tok-pump', modelId: 'centrifugal-pump-cp80' },
  { deviceId: `compressor-${suffix}`, token: 'tok-compressor', modelId: 'screw-compressor-sc55' },
];

interface Received {
  topic: string;
  payload: string;
  retain: boolean;
  at: number;
}

let broker: Aedes;
let server: net.Server;
let mqttUrl: string;
let models: Map<string, EquipmentModel>;
let tmp: string;
let received: Received[] = [];

beforeAll(async () => {
  models = await loadModels(path.join(ROOT, 'devices'));
  tmp = await mkdtemp(path.join(os.tmpdir(), 'telemend-fleet-'));
  const tokens = new Map(FLEET.map((d) => [d.deviceId, d.token]));
  broker = await Aedes.createBroker({
    authenticate: (_client, username, password, done) => {
      const ok = username !== undefined && tokens.get(username) === password?.toString();
      if (ok) return done(null, true);
      const error = Object.assign(new Error('bad credentials'), { returnCode: 4 as const });
      done(error, false);
    },
  });
  broker.on('publish', (packet) => {
    if (!packet.topic.startsWith('devices/')) return;
    received.push({ topic: packet.topic, payload: packet.payload.toString(), retain: packet.retain, at: Date.now() });
  });
  server = net.createServer(broker.handle);
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  mqttUrl = `mqtt://127.0.0.1:${port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => broker.close(() => resolve()));
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(tmp, { recursive: true, force: true });
});

beforeEach(() => {
  received = [];
});

const on = (deviceId: string, leaf: string) => received.filter((r) => r.topic === `devices/${deviceId}/${leaf}`);
type Reading = { ts: number; metrics: Record<string, number> };
const readingsOf = (deviceId: string): Reading[] =>
  on(deviceId, 'telemetry').flatMap((r) => {
    const body = JSON.parse(r.payload) as Reading | Reading[];
    return Array.isArray(body) ? body : [body];
  });

function expectContractShape(reading: Reading, model: EquipmentModel, notAfter: number): void {
  expect(Object.keys(reading).sort()).toEqual(['metrics', 'ts']);
  expect(Number.isInteger(reading.ts)).toBe(true);
  expect(reading.ts).toBeLessThanOrEqual(notAfter + 4 * 60_000);
  expect(Object.keys(reading.metrics).length).toBeGreaterThan(0);
  for (const [name, value] of Object.entries(reading.metrics)) {
    const def = model.metrics[name];
    expect(def, `unknown metric ${name}`).toBeDefined();
    expect(typeof value).toBe('number');
    expect(value).toBeGreaterThanOrEqual(def!.min);
    expect(value).toBeLessThanOrEqual(def!.max);
  }
}

describe('runFleet against a real Aedes broker', () => {
  it('publishes contract telemetry, status, fault events, and one array after an outage', async () => {
    const startTime = Date.now() - 2 * 24 * HOUR;
    const run = runFleet({
      devices: FLEET,
      models,
      mqttUrl,
      speed: 7200,
      rate: 40, // one reading every 180 s of simulated time
      startTime,
      qos: 1,
      faults: [{ deviceIndex: 0, faultCode: 'COMPRESSOR_FAILURE', offsetMs: HOUR }],
      offline: [{ deviceIndex: 1, offsetMs: 2 * HOUR, durationMs: HOUR }],
    });
    const pump = FLEET[1]!.deviceId;
    await waitFor(
      async () =>
        on(pump, 'telemetry').some((r) => r.payload.startsWith('[')) &&
        on(FLEET[0]!.deviceId, 'events').length > 0 &&
        FLEET.every((d) => readingsOf(d.deviceId).filter((r) => r.ts > startTime + 3.5 * HOUR).length > 0),
      'telemetry, the fault event and the post-outage array',
    );
    const summary = await run.stop();
    const stoppedAt = Date.now();

    for (const d of FLEET) {
      const model = models.get(d.modelId)!;
      const readings = readingsOf(d.deviceId);
      expect(readings.length).toBeGreaterThan(20);
      for (const r of readings) expectContractShape(r, model, stoppedAt);
      expect(readings.every((r) => r.ts >= startTime)).toBe(true);
      const status = on(d.deviceId, 'status');
      expect(status[0]).toMatchObject({ payload: 'online', retain: true });
      expect(status.at(-1)).toMatchObject({ payload: 'offline', retain: true });
    }

    // The sudden fault produced exactly one controller event, at its simulated onset.
    const events = on(FLEET[0]!.deviceId, 'events').map((r) => JSON.parse(r.payload));
    expect(events).toEqual([{ ts: startTime + HOUR, code: 'C1-FAIL', severity: 'critical', message: expect.stringContaining('Compressor 1') }]);

    // The pump was cut off from +2 h to +3 h: the broker published its last will, then ONE array
    // holding every reading of the outage arrived after the reconnection.
    const pumpTelemetry = on(pump, 'telemetry');
    const arrays = pumpTelemetry.filter((r) => r.payload.startsWith('['));
    expect(arrays).toHaveLength(1);
    const buffered = JSON.parse(arrays[0]!.payload) as Reading[];
    const inWindow = (r: Reading) => r.ts >= startTime + 2 * HOUR && r.ts < startTime + 3 * HOUR;
    expect(buffered.filter(inWindow).length).toBeGreaterThanOrEqual(19); // 1 h / 180 s = 20 readings
    expect(readingsOf(pump).filter(inWindow)).toEqual(buffered.filter(inWindow));
    const pumpStatus = on(pump, 'status').map((r) => r.payload);
    expect(pumpStatus).toEqual(['online', 'offline', 'online', 'offline']); // online, will, online, clean stop

    // QoS 1: every reading the broker received was acknowledged and counted.
    const total = FLEET.reduce((sum, d) => sum + readingsOf(d.deviceId).length, 0);
    expect(summary.readingsSent).toBe(total);
    expect(summary.eventsSent).toBe(1);
    expect(summary.errors).toBe(0);
    expect(summary.dropped).toBe(0);
    expect(summary.acks).toBe(summary.messagesSent + summary.eventsSent);
  });

  it('answers a command: acknowledged, then succeeded, with the correlation id', async () => {
    const device = FLEET[2]!;
    const run = runFleet({ devices: [device], models, mqttUrl, speed: 60, rate: 1, startTime: Date.now() - HOUR, answerCommands: true });
    await waitFor(async () => on(device.deviceId, 'status').some((r) => r.payload === 'online'), 'the simulated device online');
    // Its subscription to its commands topic is registered right after CONNACK.
    await new Promise((r) => setTimeout(r, 200));
    const id = '6f1c2d3e-4a5b-4c6d-8e7f-000000000001';
    broker.publish(
      {
        cmd: 'publish',
        topic: `devices/${device.deviceId}/commands`,
        payload: Buffer.from(
          JSON.stringify({
            id,
            command: 'diagnostic_dump',
            parameters: {},
            expiresAt: new Date(Date.now() + 60_000).toISOString(),
            responseTopic: `devices/${device.deviceId}/command-results`,
          }),
        ),
        qos: 1,
        retain: false,
        dup: false,
      },
      () => undefined,
    );
    await waitFor(async () => on(device.deviceId, 'command-results').length >= 2, 'both answers');
    await run.stop();
    const answers = on(device.deviceId, 'command-results').map((r) => JSON.parse(r.payload) as Record<string, unknown>);
    expect(answers[0]).toEqual({ id, status: 'acknowledged' });
    expect(answers[1]).toMatchObject({ id, status: 'succeeded', data: { firmware: 'sim-1.0' } });
  });

  it('publishes arrays of k readings with --batch and counts refused credentials as errors', async () => {
    const intruder: FleetDevice = { deviceId: `intruder-${suffix}`, token: 'wrong', modelId: 'gas-boiler-gb120' };
    const progress: number[] = [];
    const run = runFleet(
      {
        devices: [FLEET[2]!, intruder],
        models,
        mqttUrl,
        speed: 600,
        rate: 50,
        batch: 5,
        startTime: Date.now() - 24 * HOUR,
        reconnectPeriodMs: 100,
        progressIntervalMs: 100,
      },
      { onProgress: (p) => progress.push(p.readingsSent) },
    );
    await waitFor(async () => on(FLEET[2]!.deviceId, 'telemetry').length >= 3 && run.progress().errors > 0, 'batches and an auth error');
    const summary = await run.stop();
    const messages = on(FLEET[2]!.deviceId, 'telemetry').map((r) => JSON.parse(r.payload) as Reading[]);
    // Every batch but possibly the last (flushed at stop) holds exactly 5 readings.
    for (const batch of messages.slice(0, -1)) expect(batch).toHaveLength(5);
    expect(Array.isArray(messages.at(-1))).toBe(true);
    expect(on(intruder.deviceId, 'telemetry')).toEqual([]);
    expect(summary.errors).toBeGreaterThan(0);
    expect(summary.lastError).toMatch(/intruder/);
    expect(progress.length).toBeGreaterThan(0);
  });

  it('rejects bad input before connecting anything', () => {
    const base = { devices: FLEET, models, mqttUrl };
    expect(() => runFleet({ ...base, devices: [{ ...FLEET[0]!, modelId: 'no-such-model' }] })).toThrow(/unknown model "no-such-model"/);
    expect(() => runFleet({ ...base, faults: [{ deviceIndex: 7, faultCode: 'X', offsetMs: 0 }] })).toThrow(/device index 7 is out of range/);
    expect(() => runFleet({ ...base, faults: [{ deviceIndex: 1, faultCode: 'COMPRESSOR_FAILURE', offsetMs: 0 }] })).toThrow(/no fault COMPRESSOR_FAILURE/);
    expect(() => runFleet({ ...base, startTime: Date.now() + HOUR })).toThrow(FleetInputError);
    expect(() => runFleet({ ...base, qos: 2 as 1 })).toThrow(/qos/);
  });
});

describe('fleet CLI', () => {
  it('parses fault, offline and numeric options', () => {
    const cmd = parseCliArgs([
      '--fleet',
      'f.json',
      '--speed',
      '3600',
      '--qos',
      '1',
      '--fault',
      '0:LOW_REFRIGERANT_CHARGE@2h',
      '--fault',
      '1:BEARING_WEAR@1h30m',
      '--offline',
      '2@30m+2h',
      '--batch',
      '10',
    ]);
    expect(cmd.options).toMatchObject({
      speed: 3600,
      qos: 1,
      batch: 10,
      faults: [
        { deviceIndex: 0, faultCode: 'LOW_REFRIGERANT_CHARGE', offsetMs: 2 * HOUR },
        { deviceIndex: 1, faultCode: 'BEARING_WEAR', offsetMs: 1.5 * HOUR },
      ],
      offline: [{ deviceIndex: 2, offsetMs: 30 * 60_000, durationMs: 2 * HOUR }],
    });
    expect(() => parseCliArgs(['--fleet', 'f.json', '--fault', 'LOW@2h'])).toThrow(/<deviceIndex>:<FAULT_CODE>@<offset>/);
    expect(() => parseCliArgs(['--fleet', 'f.json', '--offline', '1@2x+1h'])).toThrow(/not a duration/);
    expect(() => parseCliArgs(['--speed', '2'])).toThrow(/--fleet/);
    expect(() => parseCliArgs(['--fleet', 'f.json', '--rate', 'fast'])).toThrow(/--rate must be a number/);
  });

  const cli = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'simulators/fleet.ts', ...args], { cwd: ROOT });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (b) => (stdout += b));
      child.stderr.on('data', (b) => (stderr += b));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });

  it('runs for --duration against the broker, reporting progress and a summary', async () => {
    const fleetFile = path.join(tmp, 'fleet.json');
    await writeFile(fleetFile, JSON.stringify(FLEET));
    const { code, stderr } = await cli(['--fleet', fleetFile, '--mqtt-url', mqttUrl, '--count', '2', '--speed', '600', '--rate', '10', '--duration', '1.5']);
    expect(code).toBe(0);
    expect(stderr).toMatch(/connected 2\/2/);
    expect(stderr).toMatch(/fleet simulator summary/);
    expect(readingsOf(FLEET[0]!.deviceId).length).toBeGreaterThan(3);
    expect(readingsOf(FLEET[2]!.deviceId)).toEqual([]);
    expect(on(FLEET[1]!.deviceId, 'status').at(-1)?.payload).toBe('offline');
  });

  it('prints help, and exits 2 with the field named for a bad fleet file', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--offline <i>@<offset>+<duration>');
    const badFile = path.join(tmp, 'bad.json');
    await writeFile(badFile, JSON.stringify([{ deviceId: 'x', modelId: 'water-chiller-wc200' }]));
    const bad = await cli(['--fleet', badFile]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/0\.token: .*expected string/);
  });
});
