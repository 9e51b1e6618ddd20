/** connectInfluxWithRetry: the platform's start-up connection, retried until InfluxDB answers or the process stops. */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { loadConfig } from '../../src/kernel/config.js';
import { createLogger } from '../../src/kernel/logger.js';
import { connectInfluxWithRetry } from '../../src/telemetry/influx/influx.connection.js';
import { freePort, influxQuery } from '../harness/servers.js';
import { uniqueName } from '../ingest/ingest-fixtures.js';

const configFor = (influx: Record<string, string>) => loadConfig({}, { TELEMEND_ADMIN_TOKEN: 'x'.repeat(32), ...influx });

/** A logger whose warnings are kept. */
function capturingLogger() {
  const warnings: { attempt?: number; msg: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const line = JSON.parse(chunk.toString()) as { level: number; attempt?: number; msg: string };
      if (line.level === 40) warnings.push({ attempt: line.attempt, msg: line.msg });
      done();
    },
  });
  return { logger: createLogger('warn', 'test', stream), warnings };
}

describe('connectInfluxWithRetry', () => {
  it('connects and creates the database', async () => {
    const url = inject('influxUrl');
    const database = uniqueName('retry');
    const { logger } = capturingLogger();
    const connection = await connectInfluxWithRetry(configFor({ INFLUX_URL: url, INFLUX_DATABASE: database }), logger, () => false);
    expect(connection?.version).toBe('1.x-legacy');
    const rows = await influxQuery(url, '', 'SHOW DATABASES');
    expect(rows.flat()).toContain(database);
    await connection?.close();
  });

  it('keeps retrying while InfluxDB is unreachable, warns on the first failure, and gives up with undefined once stopped', async () => {
    const { logger, warnings } = capturingLogger();
    let stopped = false;
    const started = Date.now();
    const connecting = connectInfluxWithRetry(configFor({ INFLUX_URL: `http://127.0.0.1:${await freePort()}` }), logger, () => stopped);
    await new Promise((resolve) => setTimeout(resolve, 1200)); // attempts at 0, 0.5 s and 1.5 s
    stopped = true;
    expect(await connecting).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(4000);
    expect(warnings).toEqual([{ attempt: 1, msg: 'InfluxDB unavailable; telemetry stays in the journal, retrying' }]);
  });
});
