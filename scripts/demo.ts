/**
 * The demo: makes sure Redis and InfluxDB answer (starting local ones in .telemend/ when they
 * do not), starts the platform, provisions a demo company with connected assets through the
 * API, and runs the fleet simulator. Ctrl-C stops the simulator, then the platform (which
 * flushes buffered telemetry), then the servers this script started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ModelRegistry } from '../src/telemetry/models/models.registry.js';

const HELP = `Usage: npm run demo -- [options]

  --devices <n>   simulated devices (default 50)
  --speed <x>     simulated-time acceleration for the fleet (default 1 = real time)
  --reset         forget the demo state in .telemend/ and start over
  -h, --help      this help
`;

const { values: opts } = parseArgs({
  options: {
    devices: { type: 'string', default: '50' },
    speed: { type: 'string', default: '1' },
    reset: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
const deviceCount = Number(opts.devices);
if (!Number.isInteger(deviceCount) || deviceCount < 1) throw new Error('--devices must be a positive integer');

const root = path.resolve(import.meta.dirname, '..');
const state = path.join(root, '.telemend');
const say = (msg: string): void => void process.stderr.write(`\x1b[1;36m[demo]\x1b[0m ${msg}\n`);
const children: { name: string; child: ChildProcess }[] = [];

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const INFLUX_URL = process.env.INFLUX_URL ?? 'http://127.0.0.1:8086';
const PORT = process.env.PORT ?? '8080';
const MQTT_PORT = process.env.MQTT_PORT ?? '1883';

function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, host);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function waitUntil(check: () => Promise<boolean>, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} did not come up within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function run(name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, inherit = false): ChildProcess {
  // Own process group: Ctrl-C reaches only this script, which stops the children in order.
  const child = spawn(cmd, args, { cwd: root, env, detached: true, stdio: inherit ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'ignore', 'pipe'] });
  let tail = '';
  child.stderr?.on('data', (d: Buffer) => (tail = (tail + d).slice(-2000)));
  child.once('exit', (code, signal) => {
    if (!shuttingDown && code !== 0) say(`${name} exited (${code ?? signal})${tail ? `:\n${tail}` : ''}`);
  });
  children.push({ name, child });
  return child;
}

async function ensureRedis(): Promise<void> {
  const url = new URL(REDIS_URL);
  const port = Number(url.port || 6379);
  if (await portOpen(url.hostname, port)) return say(`Redis answers at ${REDIS_URL}`);
  const dir = path.join(state, 'redis');
  await mkdir(dir, { recursive: true });
  say(`starting redis-server on ${url.hostname}:${port} (data in ${path.relative(root, dir)})`);
  run('redis-server', 'redis-server', ['--port', String(port), '--bind', url.hostname, '--dir', dir, '--appendonly', 'yes', '--save', '']);
  await waitUntil(() => portOpen(url.hostname, port), 'redis-server');
}

async function ensureInflux(): Promise<void> {
  const ping = async () => (await fetch(`${INFLUX_URL}/ping`)).status === 204;
  if (await ping().catch(() => false)) return say(`InfluxDB answers at ${INFLUX_URL}`);
  const url = new URL(INFLUX_URL);
  const dir = path.join(state, 'influxdb');
  await mkdir(dir, { recursive: true });
  const conf = path.join(dir, 'influxdb.conf');
  await writeFile(
    conf,
    `reporting-disabled = true
bind-address = "127.0.0.1:18088"
[meta]
  dir = "${dir}/meta"
[data]
  dir = "${dir}/data"
  wal-dir = "${dir}/wal"
  query-log-enabled = false
[http]
  bind-address = "${url.hostname}:${url.port || 8086}"
  log-enabled = false
[monitor]
  store-enabled = false
`,
  );
  say(`starting influxd on ${url.host} (data in ${path.relative(root, dir)})`);
  run('influxd', 'influxd', ['run', '-config', conf]);
  await waitUntil(ping, 'influxd');
}

let shuttingDown = false;
async function shutdown(code: number): Promise<never> {
  if (shuttingDown) process.exit(130);
  shuttingDown = true;
  say('stopping: simulator, then platform (flushing telemetry), then servers');
  for (const { name, child } of [...children].reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
    say(`${name} stopped`);
  }
  process.exit(code);
}

async function main(): Promise<void> {
  // If this script dies some other way, do not leave the children running.
  process.on('exit', () => {
    for (const { child } of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  });
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  if (opts.reset && existsSync(state)) {
    const { rm } = await import('node:fs/promises');
    await rm(state, { recursive: true, force: true });
    say('demo state reset');
  }
  await mkdir(state, { recursive: true });
  await ensureRedis();
  await ensureInflux();

  const tokenFile = path.join(state, 'admin-token');
  const adminToken = existsSync(tokenFile) ? (await readFile(tokenFile, 'utf8')).trim() : `demo-${randomBytes(16).toString('hex')}`;
  await writeFile(tokenFile, `${adminToken}\n`, { mode: 0o600 });

  const api = `http://127.0.0.1:${PORT}`;
  if (await portOpen('127.0.0.1', Number(PORT))) throw new Error(`port ${PORT} is taken: stop what runs there or set PORT`);
  const platformEnv = {
    ...process.env,
    TELEMEND_ADMIN_TOKEN: adminToken,
    REDIS_URL,
    INFLUX_URL,
    PORT,
    MQTT_PORT,
    DATA_DIR: path.join(state, 'data'),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  };

  // The demo company is seeded once (before the platform starts: the embedded database takes
  // one process at a time); later runs reuse it and its device credentials.
  const fleetFile = path.join(state, 'fleet.json');
  if (!existsSync(fleetFile)) {
    const passwordFile = path.join(state, 'demo-password');
    const password = existsSync(passwordFile) ? (await readFile(passwordFile, 'utf8')).trim() : `Demo-${randomBytes(6).toString('hex')}`;
    await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
    say(`seeding the demo company (${deviceCount} connected assets)`);
    const seed = run(
      'seed',
      process.execPath,
      ['--import', 'tsx', 'src/app/seed/cli.ts', '--assets', String(deviceCount), '--fleet', fleetFile, '--password', password],
      platformEnv,
      true,
    );
    const code = await new Promise<number | null>((resolve) => seed.once('exit', resolve));
    if (code !== 0) throw new Error(`seeding failed (exit ${code}); run 'npm run demo -- --reset' to start over`);
  } else {
    say('reusing the demo company seeded earlier (npm run demo -- --reset starts over)');
  }
  const fleet = JSON.parse(await readFile(fleetFile, 'utf8')) as { deviceId: string; assetId: string; modelId: string }[];
  const faults = await demoFaults(fleet.slice(0, deviceCount));

  say('starting the platform (role all)');
  run('platform', process.execPath, ['--import', 'tsx', 'src/app/main.ts'], platformEnv, true);
  await waitUntil(async () => (await fetch(`${api}/health`)).ok, 'the platform');
  say(`simulating ${Math.min(deviceCount, fleet.length)} devices from ${path.relative(root, fleetFile)}`);

  run(
    'simulator',
    process.execPath,
    [
      '--import',
      'tsx',
      'simulators/fleet.ts',
      '--fleet',
      fleetFile,
      '--count',
      String(Math.min(deviceCount, fleet.length)),
      '--speed',
      opts.speed!,
      '--mqtt-url',
      `mqtt://127.0.0.1:${MQTT_PORT}`,
      '--qos',
      '1',
      ...faults.flatMap((f) => ['--fault', f.spec]),
    ],
    process.env,
    true,
  );

  process.stdout.write(`
  Telemend demo is running.
    Console      ${api}/console   (dispatcher console: sign in as dispatcher@telemend-demo.example)
    API          ${api}/api/v1        OpenAPI docs  ${api}/docs
    Admin token  ${adminToken}   (also in .telemend/admin-token)
    Demo users   printed by the seed above; password in .telemend/demo-password
    MQTT         mqtt://127.0.0.1:${MQTT_PORT}   (device credentials in .telemend/fleet.json)

    Try:
      curl -H "Authorization: Bearer ${adminToken}" ${api}/api/v1/assets?limit=5
      curl -H "Authorization: Bearer ${adminToken}" "${api}/api/v1/assets/${fleet[0]!.assetId}/telemetry"
      curl -H "Authorization: Bearer ${adminToken}" ${api}/api/v1/tickets?limit=5
      curl -H "Authorization: Bearer ${adminToken}" ${api}/api/v1/rejections/counts

${faults
  .map(
    (f) => `    In ${f.after}, fault ${f.code} hits ${f.modelId} ${f.deviceId}: watch its auto-ticket appear with
      curl -H "Authorization: Bearer ${adminToken}" "${api}/api/v1/tickets?channel=iot"`,
  )
  .join('\n')}

  Ctrl-C stops everything.
`);
}

/** Two sudden faults with a controller event code, injected into the fleet so auto-tickets show up. */
async function demoFaults(
  fleet: { deviceId: string; modelId: string }[],
): Promise<{ spec: string; code: string; deviceId: string; modelId: string; after: string }[]> {
  const models = await ModelRegistry.fromDirectory(path.join(root, 'devices'));
  const picks: { spec: string; code: string; deviceId: string; modelId: string; after: string }[] = [];
  const used = new Set<string>();
  for (const [index, device] of fleet.entries()) {
    if (picks.length === 2 || used.has(device.modelId)) continue;
    const fault = models.get(device.modelId)?.faults.find((f) => f.simulation?.kind === 'sudden' && f.simulation.eventCode);
    if (!fault) continue;
    used.add(device.modelId);
    const after = picks.length === 0 ? '1m' : '3m';
    picks.push({
      spec: `${index}:${fault.code}@${after}`,
      code: fault.code,
      deviceId: device.deviceId,
      modelId: device.modelId,
      after: after.replace('m', ' min'),
    });
  }
  return picks;
}

main().catch(async (error: unknown) => {
  say(`failed: ${(error as Error).message}`);
  await shutdown(1);
});
