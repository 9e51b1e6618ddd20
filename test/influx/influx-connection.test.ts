/** Against the real influxd 1.6.7 of the harness. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { connectInflux, toInfluxError, type InfluxConnection } from '../../src/telemetry/influx/influx.connection.js';
import { InfluxQueryError, InfluxRefusedError, InfluxUnavailableError } from '../../src/telemetry/influx/influx.errors.js';
import { quoteIdent, quoteString } from '../../src/telemetry/influx/influxql.js';
import { freePort, influxQuery } from '../harness/servers.js';
import { silentLogger, uniqueName } from '../ingest/ingest-fixtures.js';

let influx: InfluxConnection;
const database = uniqueName('conn');
const url = inject('influxUrl');

beforeAll(async () => {
  influx = await connectInflux({ url, database, retentionPolicy: '', logger: silentLogger });
  await influx.ensureDatabase();
  await influx.ensureDatabase(); // idempotent
});
afterAll(() => influx.close());

describe('InfluxConnection on InfluxDB 1.6', () => {
  it('detects 1.x-legacy and writes through the mapped /write', async () => {
    expect(influx.version).toBe('1.x-legacy');
    const api = influx.writeApi();
    api.writeRecords(['m,tag=a v=1.5 1750000000000', 'm,tag=a v=2.5 1750000001000']);
    await api.flush();
    expect(await influxQuery(url, database, 'SELECT v FROM m')).toEqual([
      [1750000000000, 1.5],
      [1750000001000, 2.5],
    ]);
  });

  it('queries with InfluxQL and parses series; escapes identifiers and strings', async () => {
    const api = influx.writeApi();
    api.writeRecords([`q,tag=it's\\ x v=7 1750000000000`]);
    await api.flush();
    const [result] = await influx.query(`SELECT ${quoteIdent('v')} FROM ${quoteIdent('q')} WHERE "tag" = ${quoteString("it's x")}`);
    expect(result!.series[0]!.values).toEqual([[1750000000000, 7]]);
    const [injected] = await influx.query(`SELECT v FROM q WHERE "tag" = ${quoteString("x' OR tag =~ /.*/ OR tag = '")}`);
    expect(injected!.series).toEqual([]);
  });

  it('refuses a field type conflict with InfluxRefusedError', async () => {
    const api = influx.writeApi();
    api.writeRecords(['conflict x=1i 1750000000000']);
    await api.flush();
    api.writeRecords(['conflict x=1.5 1750000001000']);
    const error = await api.flush().then(() => undefined, toInfluxError);
    expect(error).toBeInstanceOf(InfluxRefusedError);
    expect(error!.message).toMatch(/field type conflict/);
  });

  it('reports a bad statement as InfluxQueryError and a dead server as InfluxUnavailableError', async () => {
    await expect(influx.query('SELECT FROM WHERE')).rejects.toBeInstanceOf(InfluxQueryError);
    await expect(influx.query('SELECT v FROM m', { database: uniqueName('missing') })).rejects.toBeInstanceOf(InfluxQueryError);
    const dead = `http://127.0.0.1:${await freePort()}`;
    await expect(connectInflux({ url: dead, database, retentionPolicy: '', logger: silentLogger })).rejects.toBeInstanceOf(InfluxUnavailableError);
    const offline = await connectInflux({ url: dead, database, retentionPolicy: '', logger: silentLogger, version: '1.x-legacy' });
    await expect(offline.query('SELECT v FROM m')).rejects.toBeInstanceOf(InfluxUnavailableError);
    const api = offline.writeApi();
    api.writeRecords(['m v=1 1']);
    expect(await api.flush().then(() => undefined, toInfluxError)).toBeInstanceOf(InfluxUnavailableError);
  });
});
