/**
 * Real servers for tests: redis-server and influxd (Debian packages) started on free loopback
 * ports in temporary folders. Each server can be stopped and started again on the same port and
 * data folder, to test outages.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface TestServer {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  start(): Promise<void>;
  /** Graceful stop (SIGTERM) and wait for exit. */
  stop(): Promise<void>;
  /** Stops and deletes the data folder. */
  destroy(): Promise<void>;
}

/** A server child process: started, awaited until ready, stopped with `stopSignal`. Subclasses say how. */
export abstract class ManagedServer implements TestServer {
  /** Signal for a graceful stop. */
  protected readonly stopSignal: NodeJS.Signals = 'SIGTERM';
  /** How long start() waits for ready(). */
  protected readonly readyTimeoutMs: number = 20_000;
  private child: ChildProcess | undefined;
  private stderr = '';
  constructor(
    readonly port: number,
    readonly dir: string,
  ) {}
  abstract get url(): string;
  protected abstract command(): Promise<{ bin: string; args: string[]; uid?: number; gid?: number }>;
  protected abstract ready(): Promise<boolean>;

  async start(): Promise<void> {
    const { bin, args, uid, gid } = await this.command();
    const child = spawn(bin, args, { cwd: this.dir, stdio: ['ignore', 'ignore', 'pipe'], ...(uid === undefined ? {} : { uid, gid }) });
    this.child = child;
    child.stderr?.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
    const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`${bin} exited with ${code}: ${this.stderr}`))));
    exited.catch(() => undefined);
    await Promise.race([waitFor(() => this.ready(), `${path.basename(bin)} on port ${this.port}`, this.readyTimeoutMs), exited]);
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill(this.stopSignal);
      setTimeout(() => child.kill('SIGKILL'), 20_000).unref();
    });
  }

  async destroy(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}

class RedisServer extends ManagedServer {
  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }
  protected async command() {
    return {
      bin: 'redis-server',
      args: [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
        '--loglevel',
        'warning',
      ],
    };
  }
  protected ready() {
    return portOpen(this.port);
  }
}

class InfluxServer extends ManagedServer {
  constructor(
    port: number,
    dir: string,
    private readonly rpcPort: number,
  ) {
    super(port, dir);
  }
  get url() {
    return `http://127.0.0.1:${this.port}`;
  }
  protected async command() {
    const conf = path.join(this.dir, 'influxdb.conf');
    await mkdir(path.join(this.dir, 'meta'), { recursive: true });
    await writeFile(
      conf,
      [
        'reporting-disabled = true',
        `bind-address = "127.0.0.1:${this.rpcPort}"`,
        '[meta]',
        `  dir = "${this.dir}/meta"`,
        '[data]',
        `  dir = "${this.dir}/data"`,
        `  wal-dir = "${this.dir}/wal"`,
        '  query-log-enabled = false',
        '  trace-logging-enabled = false',
        '[http]',
        `  bind-address = "127.0.0.1:${this.port}"`,
        '  log-enabled = false',
        '[monitor]',
        '  store-enabled = false',
        '[continuous_queries]',
        '  log-enabled = false',
        '',
      ].join('\n'),
    );
    return { bin: 'influxd', args: ['run', '-config', conf] };
  }
  protected async ready() {
    const res = await fetch(`${this.url}/ping`);
    return res.status === 204;
  }
}

export async function startRedis(): Promise<TestServer> {
  const server = new RedisServer(await freePort(), await mkdtemp(path.join(os.tmpdir(), 'telemend-redis-')));
  await server.start();
  return server;
}

export async function startInflux(): Promise<TestServer> {
  const server = new InfluxServer(await freePort(), await mkdtemp(path.join(os.tmpdir(), 'telemend-influx-')), await freePort());
  await server.start();
  return server;
}

/** Runs an InfluxQL query against a test server and returns the first series' values. */
export async function influxQuery(url: string, db: string, q: string): Promise<unknown[][]> {
  const res = await fetch(`${url}/query?${new URLSearchParams({ db, q, epoch: 'ms' })}`);
  const body = (await res.json()) as { results: { series?: { values: unknown[][] }[]; error?: string }[] };
  const result = body.results[0];
  if (result?.error) throw new Error(result.error);
  return result?.series?.[0]?.values ?? [];
}
