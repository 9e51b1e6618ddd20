/**
 * Request shapes per InfluxDB version, against a small node:http server that records what it
 * receives and answers like the real thing would. (1.x is also tested against a real influxd.)
 */
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectInflux, gzipWrites, toInfluxError } from '../../src/telemetry/influx/influx.connection.js';
import { InfluxRefusedError, InfluxUnavailableError } from '../../src/telemetry/influx/influx.errors.js';
import { mapWritePathToV1 } from '../../src/telemetry/influx/v1-write.transport.js';
import { parseInfluxVersion } from '../../src/telemetry/influx/influx.version.js';
import { silentLogger } from '../ingest/ingest-fixtures.js';

interface Recorded {
  method: string;
  path: string;
  query: Record<string, string>;
  auth: string | undefined;
  body: string;
  /** The raw body and its content-encoding (gzip tests). */
  raw?: Buffer;
  encoding?: string | undefined;
}

let server: http.Server;
let url: string;
let recorded: Recorded[] = [];
let pingVersion = '1.6.7';
let reply: (r: Recorded) => { status: number; body?: unknown } = () => ({ status: 204 });

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url!, 'http://x');
      const r: Recorded = {
        method: req.method!,
        path: u.pathname,
        query: Object.fromEntries(u.searchParams),
        auth: req.headers.authorization,
        body: Buffer.concat(chunks).toString(),
      };
      Object.defineProperties(r, { raw: { value: Buffer.concat(chunks) }, encoding: { value: req.headers['content-encoding'] } });
      if (r.path === '/ping') {
        res.writeHead(204, { 'X-Influxdb-Version': pingVersion }).end();
        return;
      }
      recorded.push(r);
      const answer = reply(r);
      if (answer.body === undefined) res.writeHead(answer.status).end();
      else res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  recorded = [];
  reply = () => ({ status: 204 });
});

async function writeOne(options: Parameters<typeof connectInflux>[0]) {
  const influx = await connectInflux(options);
  const api = influx.writeApi();
  api.writeRecords(['m,t=a f=1 1750000000000']);
  await api.flush();
  await influx.close();
  return influx;
}

const base = { database: 'tele', retentionPolicy: '', logger: silentLogger };

describe('version detection', () => {
  it('maps X-Influxdb-Version to a flavour', () => {
    expect(parseInfluxVersion('1.6.7~rc0')).toBe('1.x-legacy');
    expect(parseInfluxVersion('1.8.10')).toBe('1.8+');
    expect(parseInfluxVersion('v2.7.11')).toBe('2.x');
    expect(parseInfluxVersion('3.0.1')).toBe('3.x');
    expect(parseInfluxVersion('')).toBeUndefined();
  });
});

describe('v1 write transport', () => {
  it('maps the v2 write path onto /write', () => {
    expect(mapWritePathToV1('/api/v2/write?org=&bucket=tele%2Fweek&precision=ns')).toBe('/write?db=tele&rp=week&precision=n');
    expect(mapWritePathToV1('/api/v2/write?org=o&bucket=tele&precision=us')).toBe('/write?db=tele&precision=u');
    expect(mapWritePathToV1('/api/v2/write?org=o&bucket=tele&precision=ms')).toBe('/write?db=tele&precision=ms');
    expect(mapWritePathToV1('/query?q=1')).toBe('/query?q=1');
  });

  it('1.x before 1.8 posts /write with db, rp, precision and basic auth', async () => {
    pingVersion = '1.6.7';
    const influx = await writeOne({ ...base, url, retentionPolicy: 'week', username: 'ingest', password: 'p@ss' });
    expect(influx.version).toBe('1.x-legacy');
    expect(recorded).toEqual([
      {
        method: 'POST',
        path: '/write',
        query: { db: 'tele', rp: 'week', precision: 'ms' },
        auth: `Basic ${Buffer.from('ingest:p@ss').toString('base64')}`,
        body: 'm,t=a f=1 1750000000000',
      },
    ]);
  });
});

describe('v2 write API per version', () => {
  it('1.8+ uses /api/v2/write with bucket db/rp and a user:password token', async () => {
    pingVersion = '1.8.10';
    await writeOne({ ...base, url, retentionPolicy: 'week', username: 'u', password: 'p' });
    expect(recorded[0]).toMatchObject({ path: '/api/v2/write', query: { bucket: 'tele/week', precision: 'ms' }, auth: 'Token u:p' });
  });

  it('2.x sends org, bucket and the token', async () => {
    pingVersion = 'v2.7.11';
    await writeOne({ ...base, url, org: 'acme', token: 'tok' });
    expect(recorded[0]).toMatchObject({ path: '/api/v2/write', query: { org: 'acme', bucket: 'tele', precision: 'ms' }, auth: 'Token tok' });
  });

  it('3.x sends the database as bucket and the token', async () => {
    pingVersion = '3.0.1';
    await writeOne({ ...base, url, token: 'tok3' });
    expect(recorded[0]).toMatchObject({ path: '/api/v2/write', query: { bucket: 'tele', precision: 'ms' }, auth: 'Token tok3' });
  });

  it('turns a 400 into InfluxRefusedError with the server message, a 503 into InfluxUnavailableError', async () => {
    pingVersion = '1.6.7';
    const influx = await connectInflux({ ...base, url });
    const api = influx.writeApi();
    reply = () => ({ status: 400, body: { error: 'partial write: field type conflict' } });
    api.writeRecords(['m f=1 1']);
    const refused = await api.flush().then(() => undefined, toInfluxError);
    expect(refused).toBeInstanceOf(InfluxRefusedError);
    expect(refused?.message).toBe('partial write: field type conflict');
    reply = () => ({ status: 503, body: { error: 'busy' } });
    api.writeRecords(['m f=1 1']);
    expect(await api.flush().then(() => undefined, toInfluxError)).toBeInstanceOf(InfluxUnavailableError);
    expect(recorded).toHaveLength(2); // no hidden retries
    await influx.close();
  });
});

describe('ensureDatabase and query per version', () => {
  it('2.x creates the bucket and its DBRP mapping, then queries /query with the token', async () => {
    pingVersion = '2.7.11';
    reply = (r) => {
      if (r.path === '/api/v2/orgs') return { status: 200, body: { orgs: [{ id: 'o1', name: 'acme' }] } };
      if (r.path === '/api/v2/buckets' && r.method === 'GET') return { status: 200, body: { buckets: [] } };
      if (r.path === '/api/v2/buckets') return { status: 201, body: { id: 'b1', name: 'tele' } };
      if (r.path === '/api/v2/dbrps' && r.method === 'GET') return { status: 200, body: { content: [] } };
      if (r.path === '/api/v2/dbrps') return { status: 201, body: { id: 'd1' } };
      return { status: 200, body: { results: [{ statement_id: 0, series: [{ name: 'telemetry', columns: ['time', 'v'], values: [[1, 2]] }] }] } };
    };
    const influx = await connectInflux({ ...base, url, org: 'acme', token: 'tok' });
    await influx.ensureDatabase();
    const result = await influx.query('SELECT v FROM telemetry');
    expect(result[0]!.series[0]!.values).toEqual([[1, 2]]);
    expect(recorded.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /api/v2/orgs',
      'GET /api/v2/buckets',
      'POST /api/v2/buckets',
      'GET /api/v2/dbrps',
      'POST /api/v2/dbrps',
      'GET /query',
    ]);
    expect(recorded.every((r) => r.auth === 'Token tok')).toBe(true);
    expect(JSON.parse(recorded[2]!.body)).toEqual({ orgID: 'o1', name: 'tele', retentionRules: [] });
    expect(JSON.parse(recorded[4]!.body)).toEqual({ orgID: 'o1', bucketID: 'b1', database: 'tele', retention_policy: 'autogen', default: true });
    expect(recorded[5]!.query).toEqual({ db: 'tele', epoch: 'ms', q: 'SELECT v FROM telemetry' });
  });

  it('2.x without org or token says what is missing', async () => {
    pingVersion = '2.7.11';
    const influx = await connectInflux({ ...base, url });
    await expect(influx.ensureDatabase()).rejects.toThrow(/INFLUX_ORG and INFLUX_TOKEN/);
  });

  it('3.x creates the database through /api/v3/configure/database and accepts 409', async () => {
    pingVersion = '3.0.1';
    reply = () => ({ status: 409, body: { error: 'already exists' } });
    const influx = await connectInflux({ ...base, url, token: 't' });
    await influx.ensureDatabase();
    expect(recorded).toMatchObject([{ method: 'POST', path: '/api/v3/configure/database', body: '{"db":"tele"}', auth: 'Token t' }]);
  });

  it('1.x creates the database with a POSTed CREATE DATABASE and basic auth', async () => {
    pingVersion = '1.6.7';
    reply = () => ({ status: 200, body: { results: [{ statement_id: 0 }] } });
    const influx = await connectInflux({ ...base, url, username: 'a', password: 'b' });
    await influx.ensureDatabase();
    expect(recorded).toMatchObject([
      { method: 'POST', path: '/query', body: 'q=CREATE+DATABASE+%22tele%22', auth: `Basic ${Buffer.from('a:b').toString('base64')}` },
    ]);
  });
});

describe('gzip of writes', () => {
  it('auto compresses only for a server that is not on a loopback address', () => {
    for (const local of ['http://127.0.0.1:8086', 'http://localhost:8086', 'http://127.3.2.1', 'http://[::1]:8086'])
      expect(gzipWrites(local), local).toBe(false);
    for (const remote of ['https://influx.example.com', 'http://10.0.0.5:8086', 'http://[fd00::1]:8086']) expect(gzipWrites(remote), remote).toBe(true);
    expect(gzipWrites('http://127.0.0.1:8086', 'always')).toBe(true);
    expect(gzipWrites('https://influx.example.com', 'never')).toBe(false);
  });

  it('a large write is sent plain to a local server, gzipped when asked, and arrives whole either way', async () => {
    pingVersion = '1.6.7';
    const lines = Array.from({ length: 4000 }, (_, i) => `telemetry,asset=a${i % 7} flow=${i}.5,head=${i * 3} ${1_750_000_000_000 + i}`);
    for (const gzip of ['auto', 'always'] as const) {
      recorded = [];
      const influx = await connectInflux({ ...base, url, gzip });
      const api = influx.writeApi();
      api.writeRecords(lines);
      await api.flush();
      await influx.close();
      expect(recorded, gzip).toHaveLength(1);
      const [r] = recorded;
      expect(r!.encoding, gzip).toBe(gzip === 'always' ? 'gzip' : undefined);
      expect((gzip === 'always' ? gunzipSync(r!.raw!) : r!.raw!).toString('utf8')).toBe(lines.join('\n'));
    }
  });
});
