/**
 * Fleet simulator CLI: `npx tsx simulators/fleet.ts --fleet .telemend/fleet.json --speed 3600`.
 * Publishes realistic telemetry for every device of a fleet file over MQTT, following the device
 * contract (README, "Device contract"). The library behind it is fleet.runner.ts (runFleet).
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { loadModels } from '../src/telemetry/models/models.loader.js';
import { runFleet, type FleetProgress, type FleetSummary } from './fleet.runner.js';
import { FleetInputError, parseFaultSpec, parseOfflineSpec, readFleetFile, type FleetOptionsInput } from './fleet.schemas.js';

export { runFleet } from './fleet.runner.js';
export type { FleetHooks, FleetProgress, FleetRun, FleetRunInput, FleetSummary, TelemetryReading } from './fleet.runner.js';
export * from './fleet.schemas.js';
export { createAssetSignal } from './signal.js';
export type { ActiveFault, AssetSignal, AssetSignalOptions, SimulatedEvent } from './signal.js';

const DEFAULT_MODELS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'devices');

export const USAGE = `Usage: npx tsx simulators/fleet.ts --fleet <file> [options]

Simulates a fleet of connected equipment publishing telemetry over MQTT.

Options:
  --fleet <file>        JSON array of {deviceId, token, modelId, assetId?} (required)
  --models <dir>        equipment model folder (default: devices/ of this repository)
  --mqtt-url <url>      broker (default mqtt://127.0.0.1:1883)
  --count <n>           simulate only the first n devices (default: all)
  --rate <r>            readings per real second per device
                        (default: one reading per model sample period of simulated time)
  --speed <x>           simulated-time acceleration, 3600 = one hour per second (default 1)
  --start <ISO>         simulated start time, must not be in the future
                        (default: now - duration*(speed-1) with --duration, else now - 7 days
                        when speed > 1, else now)
  --qos <0|1>           QoS of telemetry and events (default 0)
  --fault <i>:<CODE>@<offset>
                        inject a catalogue fault into device i (0-based) at a simulated offset
                        from the start, e.g. 0:CONDENSER_COIL_FOULING@2h (repeatable)
  --offline <i>@<offset>+<duration>
                        cut device i off at a simulated offset for a simulated duration; it
                        buffers readings and publishes them as one JSON array on reconnect,
                        e.g. 1@30m+2h (repeatable)
  --duration <seconds>  stop after this much real time (default: until Ctrl-C)
  --batch <k>           publish arrays of k readings (default 1: one object per publish)
  --seed <n>            signal seed (default 1)
  -h, --help            show this help

Simulated time runs at --speed until it reaches real now, then follows real time at 1x,
so no reading's ts is ever in the future. Progress is printed on stderr once per second.`;

export interface CliCommand {
  help: boolean;
  fleetFile: string;
  modelsDir: string;
  options: FleetOptionsInput;
}

function numberFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new FleetInputError(`${flag} must be a number, got "${value}"`);
  return n;
}

/** Parses CLI arguments (without the node and script paths). Throws FleetInputError. */
export function parseCliArgs(argv: readonly string[]): CliCommand {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        fleet: { type: 'string' },
        models: { type: 'string' },
        'mqtt-url': { type: 'string' },
        count: { type: 'string' },
        rate: { type: 'string' },
        speed: { type: 'string' },
        start: { type: 'string' },
        qos: { type: 'string' },
        fault: { type: 'string', multiple: true },
        offline: { type: 'string', multiple: true },
        duration: { type: 'string' },
        batch: { type: 'string' },
        seed: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new FleetInputError((error as Error).message);
  }
  const help = values.help === true;
  if (!help && !values.fleet) throw new FleetInputError('--fleet <file> is required');
  let startTime: number | undefined;
  if (values.start !== undefined) {
    startTime = Date.parse(values.start);
    if (Number.isNaN(startTime)) throw new FleetInputError(`--start "${values.start}" is not an ISO 8601 date`);
  }
  const qos = numberFlag('--qos', values.qos);
  if (qos !== undefined && qos !== 0 && qos !== 1) throw new FleetInputError('--qos must be 0 or 1');
  const options: FleetOptionsInput = {
    mqttUrl: values['mqtt-url'],
    count: numberFlag('--count', values.count),
    rate: numberFlag('--rate', values.rate),
    speed: numberFlag('--speed', values.speed),
    startTime,
    qos: qos as 0 | 1 | undefined,
    faults: (values.fault ?? []).map(parseFaultSpec),
    offline: (values.offline ?? []).map(parseOfflineSpec),
    durationSeconds: numberFlag('--duration', values.duration),
    batch: numberFlag('--batch', values.batch),
    seed: numberFlag('--seed', values.seed),
  };
  for (const key of Object.keys(options) as (keyof FleetOptionsInput)[]) if (options[key] === undefined) delete options[key];
  return { help, fleetFile: values.fleet ?? '', modelsDir: values.models ?? DEFAULT_MODELS_DIR, options };
}

export function formatProgress(p: FleetProgress): string {
  const sim = new Date(p.simTime).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const parts = [
    `sim ${sim}`,
    `connected ${p.connected}/${p.devices}`,
    `readings ${p.readingsSent} (${p.ratePerSecond}/s)`,
    `msgs ${p.messagesSent}`,
    `acks ${p.acks}`,
    `events ${p.eventsSent}`,
    `buffered ${p.buffered}`,
    `errors ${p.errors}`,
  ];
  return parts.join(' · ') + (p.lastError ? ` (last: ${p.lastError})` : '');
}

export function formatSummary(s: FleetSummary): string {
  return [
    'fleet simulator summary',
    `  devices          ${s.devices}`,
    `  real time        ${(s.realElapsedMs / 1000).toFixed(1)} s`,
    `  simulated        ${new Date(s.simStart).toISOString()} → ${new Date(s.simTime).toISOString()}`,
    `  readings sent    ${s.readingsSent} in ${s.messagesSent} messages`,
    `  events sent      ${s.eventsSent}`,
    `  acks             ${s.acks}`,
    `  errors           ${s.errors}${s.lastError ? ` (last: ${s.lastError})` : ''}`,
    `  faults injected  ${s.faultsInjected}, offline periods ${s.offlinePeriods}, readings dropped ${s.dropped}`,
  ].join('\n');
}

export async function main(argv: readonly string[]): Promise<number> {
  let command: CliCommand;
  try {
    command = parseCliArgs(argv);
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (command.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let run;
  try {
    const [devices, models] = await Promise.all([readFleetFile(command.fleetFile), loadModels(command.modelsDir)]);
    run = runFleet({ ...command.options, answerCommands: true, devices, models }, { onProgress: (p) => process.stderr.write(`${formatProgress(p)}\n`) });
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n`);
    return 2;
  }
  process.stderr.write(`simulating ${run.progress().devices} devices from ${new Date(run.simStart).toISOString()}\n`);
  let signals = 0;
  const onSignal = (): void => {
    if (++signals > 1) process.exit(130);
    process.stderr.write('stopping: disconnecting devices…\n');
    void run.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const summary = await run.done;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.stderr.write(`${formatSummary(summary)}\n`);
  return 0;
}

const invokedDirectly = (() => {
  try {
    return process.argv[1] !== undefined && pathToFileURL(realpathSync(process.argv[1])).href === import.meta.url;
  } catch {
    return false;
  }
})();

if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`fatal: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}
