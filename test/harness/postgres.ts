/**
 * A throwaway PostgreSQL server (Debian's `postgresql` package) for tests and benchmarks:
 * initdb in a temporary folder, `postgres` on a free loopback port, unix sockets in that folder,
 * trust authentication for the superuser `postgres`, fsync off. initdb and postgres refuse to
 * run as root, so as root both run as the `postgres` system user (the folder is chowned to it);
 * as any other user they run as that user.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort, ManagedServer, type TestServer } from './servers.js';

export interface PostgresOptions {
  /** Extra `-c name=value` server settings (e.g. `{ shared_buffers: '256MB' }`). Default none. */
  settings?: Readonly<Record<string, string>>;
}

/** Folder of the newest installed PostgreSQL's programs (`/usr/lib/postgresql/<n>/bin`). */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(path.join(root, v, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions[0] === undefined) {
    throw new Error('PostgreSQL is not installed: apt-get install -y postgresql (Debian package), then run again.');
  }
  return path.join(root, versions[0], 'bin');
}

interface RunAs {
  uid: number;
  gid: number;
}

/** Root runs the servers as the `postgres` system user; everyone else as themselves. */
async function runAs(): Promise<RunAs | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const passwd = await readFile('/etc/passwd', 'utf8');
  const line = passwd.split('\n').find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('running as root but there is no postgres system user (is the postgresql package installed?)');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

function run(bin: string, args: string[], user: RunAs | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'], ...user });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${path.basename(bin)} exited with ${code}: ${stderr}`))));
  });
}

class PostgresServer extends ManagedServer {
  /** Fast shutdown (SIGINT): open sessions are disconnected instead of waited for. */
  protected override readonly stopSignal = 'SIGINT';
  protected override readonly readyTimeoutMs = 60_000;
  constructor(
    port: number,
    dir: string,
    private readonly bin: string,
    private readonly user: RunAs | undefined,
    private readonly settings: Readonly<Record<string, string>>,
  ) {
    super(port, dir);
  }

  /** Superuser URL of the `postgres` maintenance database. */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  async init(): Promise<void> {
    if (this.user) await chown(this.dir, this.user.uid, this.user.gid);
    await run(
      path.join(this.bin, 'initdb'),
      ['-D', this.dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync', '--no-instructions'],
      this.user,
    );
  }

  protected async command() {
    const settings: Record<string, string> = {
      listen_addresses: '127.0.0.1',
      unix_socket_directories: this.dir,
      fsync: 'off',
      synchronous_commit: 'off',
      full_page_writes: 'off',
      max_connections: '200',
      log_min_messages: 'warning',
      ...this.settings,
    };
    const args = ['-D', this.dataDir, '-p', String(this.port)];
    for (const [name, value] of Object.entries(settings)) args.push('-c', `${name}=${value}`);
    return { bin: path.join(this.bin, 'postgres'), args, uid: this.user?.uid, gid: this.user?.gid };
  }

  protected async ready(): Promise<boolean> {
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 1000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

/** initdb + postgres on a free port in a new temporary folder; `url` is the superuser URL. */
export async function startPostgres(options: PostgresOptions = {}): Promise<TestServer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'telemend-postgres-'));
  const server = new PostgresServer(await freePort(), dir, postgresBinDir(), await runAs(), options.settings ?? {});
  try {
    await server.init();
    await server.start();
  } catch (error) {
    await server.destroy().catch(() => undefined);
    throw error;
  }
  return server;
}

/** The URL of another database on the same server as `url`. */
export function databaseUrl(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
