/**
 * The fleet simulator as a library: one MQTT connection per device, readings generated from the
 * device's equipment model (signal.ts) on a simulated clock, faults and network outages on a plan.
 *
 * Simulated clock: sim(t) = min(start + (t − t0) × speed, t), with t the real time. Accelerated
 * time therefore catches up with real time and then follows it at 1×, so no reading's `ts` is
 * ever later than real now (the contract tolerates up to +4 min). The default start lies in the
 * past (see fleetOptionsSchema.startTime) so that an accelerated run has history to replay.
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { EquipmentModel } from '../src/telemetry/models/models.schema.js';
import { FleetInputError, parseFleetOptions, type FleetDevice, type FleetOptionsInput, type OfflinePlan } from './fleet.schemas.js';
import { SimulationError, createAssetSignal, hash32, hashString, type AssetSignal, type SimulatedEvent } from './signal.js';

const DAY_MS = 86_400_000;
/** Cap on readings generated per device per tick, so a stalled event loop cannot explode memory. */
const MAX_READINGS_PER_TICK = 5000;
/** Cap on readings buffered by a device while offline; older ones are dropped. */
const MAX_BUFFERED_READINGS = 100_000;
/** How long stop() waits for in-flight messages before cutting connections. */
const STOP_GRACE_MS = 5000;

/** Most readings in one buffered publish: ~200 B each keeps an array well under 64 KiB. */
const BUFFER_CHUNK = 200;
export interface TelemetryReading {
  ts: number;
  metrics: Record<string, number>;
}

export interface FleetProgress {
  devices: number;
  connected: number;
  /** Readings written to the broker connection (QoS 0) or acknowledged (QoS 1). */
  readingsSent: number;
  /** Telemetry publishes (one per reading, per batch or per buffered array). */
  messagesSent: number;
  eventsSent: number;
  /** PUBACKs received (QoS 1 only). */
  acks: number;
  errors: number;
  /** Readings currently held by offline devices. */
  buffered: number;
  /** Readings sent per real second since the previous progress report. */
  ratePerSecond: number;
  /** Current simulated time, epoch ms. */
  simTime: number;
  realElapsedMs: number;
  lastError?: string;
}

export interface FleetSummary extends FleetProgress {
  simStart: number;
  faultsInjected: number;
  offlinePeriods: number;
  /** Readings lost: buffered by a device still offline at stop, or over the buffer cap. */
  dropped: number;
}

export interface FleetHooks {
  onProgress?: (progress: FleetProgress) => void;
  /** Real clock, epoch ms. Default Date.now. */
  now?: () => number;
}

export interface FleetRun {
  /** Simulated start time, epoch ms. */
  readonly simStart: number;
  progress(): FleetProgress;
  /** Disconnects every device (status `offline`, retained) and resolves with the totals. Idempotent. */
  stop(): Promise<FleetSummary>;
  /** Resolves when the run ends (stop() or durationSeconds elapsed). */
  readonly done: Promise<FleetSummary>;
}

export type FleetRunInput = FleetOptionsInput & {
  devices: readonly FleetDevice[];
  models: ReadonlyMap<string, EquipmentModel>;
};

type Mode = 'up' | 'down' | 'reconnecting';

interface DeviceRuntime {
  device: FleetDevice;
  model: EquipmentModel;
  signal: AssetSignal;
  stepMs: number;
  nextSimTs: number;
  lastIncluded: Map<string, number>;
  client: MqttClient | undefined;
  connected: boolean;
  mode: Mode;
  outageUntil: number;
  windows: { from: number; to: number }[];
  batch: TelemetryReading[];
  buffer: TelemetryReading[];
  bufferedEvents: SimulatedEvent[];
}

const topic = (deviceId: string, leaf: 'telemetry' | 'events' | 'status' | 'commands' | 'command-results') => `devices/${deviceId}/${leaf}`;

/**
 * How a simulated controller answers a command (the device contract in README): `acknowledged`
 * at once, then `succeeded` a moment later (a diagnostic dump with a little data), or `failed`
 * when the command has expired.
 */
function answerCommand(client: MqttClient, deviceId: string, payload: Buffer): void {
  let command: { id?: unknown; command?: unknown; expiresAt?: unknown };
  try {
    command = JSON.parse(payload.toString('utf8')) as typeof command;
  } catch {
    return;
  }
  if (typeof command.id !== 'string') return;
  const id = command.id;
  const reply = (body: Record<string, unknown>): void => {
    client.publish(topic(deviceId, 'command-results'), JSON.stringify({ id, ...body }), { qos: 1 });
  };
  if (typeof command.expiresAt === 'string' && Date.parse(command.expiresAt) < Date.now())
    return reply({ status: 'failed', message: 'expired before it arrived' });
  reply({ status: 'acknowledged' });
  setTimeout(() => {
    const data =
      command.command === 'diagnostic_dump' ? { data: { firmware: 'sim-1.0', uptimeHours: Math.round(process.uptime() / 3600), eventBuffer: [] } } : {};
    reply({ status: 'succeeded', message: `${String(command.command)} done (simulated)`, ...data });
  }, 500).unref();
}

function defaultStart(now: number, speed: number, durationSeconds: number | undefined): number {
  if (speed <= 1) return now;
  if (durationSeconds !== undefined) return Math.floor(now - durationSeconds * 1000 * (speed - 1));
  return now - 7 * DAY_MS;
}

export function runFleet(input: FleetRunInput, hooks: FleetHooks = {}): FleetRun {
  const { devices: allDevices, models, ...rest } = input;
  const options = parseFleetOptions(rest);
  const now = hooks.now ?? Date.now;
  const realStart = now();
  const simStart = options.startTime ?? defaultStart(realStart, options.speed, options.durationSeconds);
  if (simStart > realStart) throw new FleetInputError('the simulated start must not be in the future');
  const devices = allDevices.slice(0, options.count ?? allDevices.length);
  if (devices.length === 0) throw new FleetInputError('no devices to simulate');

  const runtimes = devices.map((device, index) => buildRuntime(device, index));
  for (const plan of options.faults) {
    const rt = runtimeAt(plan.deviceIndex, '--fault');
    try {
      rt.signal.inject(plan.faultCode, simStart + plan.offsetMs);
    } catch (error) {
      if (error instanceof SimulationError) throw new FleetInputError(`--fault for device ${plan.deviceIndex} (${rt.device.deviceId}): ${error.message}`);
      throw error;
    }
  }
  for (const plan of options.offline) addWindow(plan);

  const totals = { readingsSent: 0, messagesSent: 0, eventsSent: 0, acks: 0, errors: 0, dropped: 0 };
  let lastError: string | undefined;
  let lastRate = { at: realStart, readings: 0, value: 0 };
  let stopping: Promise<FleetSummary> | undefined;
  let resolveDone!: (s: FleetSummary) => void;
  const done = new Promise<FleetSummary>((resolve) => (resolveDone = resolve));

  function buildRuntime(device: FleetDevice, index: number): DeviceRuntime {
    const model = models.get(device.modelId);
    if (!model) {
      throw new FleetInputError(`device ${index} (${device.deviceId}) has unknown model "${device.modelId}"; known: ${[...models.keys()].join(', ')}`);
    }
    const seed = hash32(options.seed, hashString(device.deviceId));
    const minPeriodMs = Math.min(...Object.values(model.metrics).map((m) => m.samplePeriodSeconds)) * 1000;
    const stepMs = options.rate !== undefined ? (options.speed * 1000) / options.rate : minPeriodMs;
    return {
      device,
      model,
      signal: createAssetSignal(model, { seed, startTime: simStart, utcOffsetHours: options.utcOffsetHours }),
      stepMs,
      // Stagger devices inside one step so they do not all publish in the same instant.
      nextSimTs: simStart + ((seed % 1000) / 1000) * stepMs,
      lastIncluded: new Map(),
      client: undefined,
      connected: false,
      mode: 'up',
      outageUntil: 0,
      windows: [],
      batch: [],
      buffer: [],
      bufferedEvents: [],
    };
  }

  function runtimeAt(index: number, flag: string): DeviceRuntime {
    const rt = runtimes[index];
    if (!rt) throw new FleetInputError(`${flag}: device index ${index} is out of range (0..${runtimes.length - 1})`);
    return rt;
  }

  function addWindow(plan: OfflinePlan): void {
    const rt = runtimeAt(plan.deviceIndex, '--offline');
    rt.windows.push({ from: simStart + plan.offsetMs, to: simStart + plan.offsetMs + plan.durationMs });
    rt.windows.sort((a, b) => a.from - b.from);
  }

  const simNow = (real: number): number => Math.min(simStart + (real - realStart) * options.speed, real);

  function noteError(deviceId: string, error: Error): void {
    totals.errors++;
    lastError = `${deviceId}: ${error.message}`;
  }

  function connect(rt: DeviceRuntime): void {
    const { deviceId, token } = rt.device;
    const client = mqtt.connect(options.mqttUrl, {
      clientId: deviceId,
      username: deviceId,
      password: token,
      clean: true,
      reconnectPeriod: options.reconnectPeriodMs,
      connectTimeout: 10_000,
      will: { topic: topic(deviceId, 'status'), payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    rt.client = client;
    if (options.answerCommands) client.on('message', (_topic, payload) => answerCommand(client, deviceId, payload));
    client.on('connect', () => {
      if (rt.client !== client) return;
      rt.connected = true;
      if (options.answerCommands) client.subscribe(topic(deviceId, 'commands'), { qos: 1 }, (err) => err && noteError(deviceId, err));
      client.publish(topic(deviceId, 'status'), 'online', { qos: 1, retain: true }, (err) => err && noteError(deviceId, err));
      if (rt.mode === 'reconnecting') {
        rt.mode = 'up';
        flushBuffer(rt);
      }
    });
    client.on('close', () => {
      if (rt.client === client) rt.connected = false;
    });
    client.on('error', (err) => noteError(deviceId, err));
  }

  function publishReadings(rt: DeviceRuntime, readings: TelemetryReading[], asArray: boolean): void {
    const client = rt.client;
    if (!client || readings.length === 0) return;
    const payload = JSON.stringify(asArray ? readings : readings[0]);
    client.publish(topic(rt.device.deviceId, 'telemetry'), payload, { qos: options.qos }, (err) => {
      if (err) return noteError(rt.device.deviceId, err);
      totals.readingsSent += readings.length;
      totals.messagesSent++;
      if (options.qos === 1) totals.acks++;
    });
  }

  function publishEvent(rt: DeviceRuntime, event: SimulatedEvent): void {
    rt.client?.publish(topic(rt.device.deviceId, 'events'), JSON.stringify(event), { qos: options.qos }, (err) => {
      if (err) return noteError(rt.device.deviceId, err);
      totals.eventsSent++;
      if (options.qos === 1) totals.acks++;
    });
  }

  /**
   * Publishes everything buffered during an outage as arrays of at most BUFFER_CHUNK readings
   * (one array for a short outage; a long one stays under the broker's 64 KiB packet limit and
   * ingest's per-publish cap), then the events.
   */
  function flushBuffer(rt: DeviceRuntime): void {
    while (rt.buffer.length > 0) publishReadings(rt, rt.buffer.splice(0, BUFFER_CHUNK), true);
    for (const event of rt.bufferedEvents.splice(0)) publishEvent(rt, event);
  }

  function goOffline(rt: DeviceRuntime, until: number): void {
    rt.mode = 'down';
    rt.outageUntil = until;
    rt.buffer.push(...rt.batch.splice(0));
    // Abrupt close without DISCONNECT, like a network loss: the broker publishes the last will.
    const client = rt.client;
    rt.client = undefined;
    rt.connected = false;
    client?.end(true);
  }

  function makeReading(rt: DeviceRuntime, ts: number): TelemetryReading {
    const values = rt.signal.sample(ts);
    const metrics: Record<string, number> = {};
    for (const [name, def] of Object.entries(rt.model.metrics)) {
      const last = rt.lastIncluded.get(name);
      if (last === undefined || ts - last >= def.samplePeriodSeconds * 1000 - 1) {
        metrics[name] = values[name]!;
        rt.lastIncluded.set(name, ts);
      }
    }
    return { ts, metrics };
  }

  function advance(rt: DeviceRuntime, until: number): void {
    for (let n = 0; rt.nextSimTs <= until && n < MAX_READINGS_PER_TICK; n++) {
      const ts = Math.round(rt.nextSimTs);
      rt.nextSimTs += rt.stepMs;
      const window = rt.windows[0];
      if (rt.mode === 'up' && window && ts >= window.from) {
        rt.windows.shift();
        if (ts < window.to) goOffline(rt, window.to);
      }
      if (rt.mode === 'down' && ts >= rt.outageUntil) {
        rt.mode = 'reconnecting';
        connect(rt);
      }
      const reading = makeReading(rt, ts);
      const events = rt.signal.drainEvents();
      if (rt.mode === 'up') {
        rt.batch.push(reading);
        if (rt.batch.length >= options.batch) publishReadings(rt, rt.batch.splice(0), options.batch > 1);
        for (const event of events) publishEvent(rt, event);
      } else {
        rt.buffer.push(reading);
        rt.bufferedEvents.push(...events);
        if (rt.buffer.length > MAX_BUFFERED_READINGS) totals.dropped += rt.buffer.splice(0, rt.buffer.length - MAX_BUFFERED_READINGS).length;
      }
    }
  }

  function progress(): FleetProgress {
    const real = now();
    return {
      devices: runtimes.length,
      connected: runtimes.filter((rt) => rt.connected).length,
      readingsSent: totals.readingsSent,
      messagesSent: totals.messagesSent,
      eventsSent: totals.eventsSent,
      acks: totals.acks,
      errors: totals.errors,
      buffered: runtimes.reduce((sum, rt) => sum + rt.buffer.length, 0),
      ratePerSecond: lastRate.value,
      simTime: Math.floor(simNow(real)),
      realElapsedMs: real - realStart,
      ...(lastError !== undefined ? { lastError } : {}),
    };
  }

  const realStepMs = Math.min(...runtimes.map((rt) => rt.stepMs)) / options.speed;
  const tickMs = Math.min(100, Math.max(10, realStepMs / 2));
  const tick = (): void => {
    const until = simNow(now());
    for (const rt of runtimes) advance(rt, until);
  };
  for (const rt of runtimes) connect(rt);
  const ticker = setInterval(tick, tickMs);
  const reporter = setInterval(() => {
    const real = now();
    const seconds = Math.max(0.001, (real - lastRate.at) / 1000);
    lastRate = { at: real, readings: totals.readingsSent, value: Math.round((totals.readingsSent - lastRate.readings) / seconds) };
    hooks.onProgress?.(progress());
  }, options.progressIntervalMs);
  const timer = options.durationSeconds !== undefined ? setTimeout(() => void stop(), options.durationSeconds * 1000) : undefined;
  setImmediate(tick);

  async function closeClient(rt: DeviceRuntime): Promise<void> {
    const client = rt.client;
    if (!client) return;
    if (rt.mode !== 'up' || !rt.connected) {
      client.end(true);
      return;
    }
    publishReadings(rt, rt.batch.splice(0), options.batch > 1);
    let grace: NodeJS.Timeout | undefined;
    const cut = new Promise<void>((resolve) => {
      grace = setTimeout(() => {
        client.end(true);
        resolve();
      }, STOP_GRACE_MS);
    });
    const graceful = (async () => {
      // A clean DISCONNECT suppresses the last will, so say `offline` ourselves first.
      await new Promise<void>((resolve) => {
        client.publish(topic(rt.device.deviceId, 'status'), 'offline', { qos: 1, retain: true }, () => resolve());
      });
      await client.endAsync(false).catch((err: Error) => noteError(rt.device.deviceId, err));
    })();
    await Promise.race([graceful, cut]);
    clearTimeout(grace);
  }

  function stop(): Promise<FleetSummary> {
    stopping ??= (async () => {
      clearInterval(ticker);
      clearInterval(reporter);
      if (timer) clearTimeout(timer);
      tick();
      await Promise.all(runtimes.map((rt) => closeClient(rt)));
      const dropped = totals.dropped + runtimes.reduce((sum, rt) => sum + rt.buffer.length, 0);
      const summary: FleetSummary = {
        ...progress(),
        connected: 0,
        buffered: 0,
        simStart,
        faultsInjected: options.faults.length,
        offlinePeriods: options.offline.length,
        dropped,
      };
      runtimes.forEach((rt) => (rt.buffer.length = 0));
      resolveDone(summary);
      return summary;
    })();
    return stopping;
  }

  return { simStart, progress, stop, done };
}
