/**
 * Scheduled reports: the CRUD API, and the background task delivering each period once across two
 * runners to a real SMTP server (smtp-server) and a local webhook receiver, with retries.
 */
import { createServer, type Server } from 'node:http';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/kernel/logger.js';
import { verifySignature } from '../../src/service/delivery/webhook-signature.js';
import { ReportScheduler, type ReportSchedulerOptions } from '../../src/service/reports/report-scheduler.task.js';
import { freePort, waitFor } from '../harness/servers.js';
import { testEgress } from '../harness/egress.js';
import { SecretBox } from '../../src/kernel/secrets/secret-box.js';
import { insertAsset, insertCustomer, insertSite, insertTicket, parseCsv, startReportsApi, type ReportsApi } from './reports-fixture.js';

interface Mail {
  raw: string;
  to: string[];
}
interface Hook {
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

let api: ReportsApi;
let smtp: SMTPServer;
let smtpUrl: string;
let receiver: Server;
let hookUrl: string;
const mails: Mail[] = [];
const hooks: Hook[] = [];
/** Status codes the webhook receiver answers with, in order (then 200). */
let hookAnswers: number[] = [];
const egress = testEgress();

beforeAll(async () => {
  api = await startReportsApi('2025-07-01T00:00:00.000Z');
  const customer = await insertCustomer(api.db, 'Omega');
  const asset = await insertAsset(api.db, await insertSite(api.db, customer), 'chiller-x', '2025-01-01');
  // One repair resolved on 30 June after 5 h: the MTTR report of the day before 1 July has one row.
  await insertTicket(api.db, {
    customerId: customer,
    assetId: asset,
    priority: 'high',
    status: 'resolved',
    createdAt: '2025-06-30T07:00:00Z',
    respondedAt: '2025-06-30T08:00:00Z',
    resolvedAt: '2025-06-30T12:00:00Z',
    responseDueAt: '2025-06-30T15:00:00Z',
    resolutionDueAt: '2025-07-02T07:00:00Z',
  });

  const smtpPort = await freePort();
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({ raw: Buffer.concat(chunks).toString('utf8'), to: session.envelope.rcptTo.map((r) => r.address) });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(smtpPort, '127.0.0.1', resolve));
  smtpUrl = `smtp://127.0.0.1:${smtpPort}`;

  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hooks.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers });
      res.statusCode = hookAnswers.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/reports`;
});

afterAll(async () => {
  await egress.close();
  await new Promise<void>((resolve) => smtp?.close(() => resolve()));
  await new Promise<void>((resolve) => receiver?.close(() => resolve()));
  await api?.close();
});

beforeEach(async () => {
  mails.length = 0;
  hooks.length = 0;
  hookAnswers = [];
  await api.db.query('DELETE FROM report_schedules');
  api.clock.set('2025-07-01T00:00:00.000Z');
});

function runner(options: ReportSchedulerOptions = {}): ReportScheduler {
  const deps = { db: api.db, logger: createLogger('silent'), clock: api.clock, egress, secrets: SecretBox.ephemeral() };
  return new ReportScheduler(deps, { smtpUrl, mailFrom: 'reports@telemend.test', ...options });
}

/** The decoded body of the MIME part whose filename is `name`. */
function attachment(raw: string, name: string): string {
  const at = raw.indexOf(`filename=${name}`) >= 0 ? raw.indexOf(`filename=${name}`) : raw.indexOf(`filename="${name}"`);
  expect(at, `attachment ${name} in\n${raw}`).toBeGreaterThan(0);
  const headers = raw.slice(raw.lastIndexOf('\r\n--', at), at);
  const start = raw.indexOf('\r\n\r\n', at) + 4;
  const body = raw.slice(start, raw.indexOf('\r\n--', start));
  if (/base64/i.test(headers)) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  return body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

const dailyMttr = (extra: Record<string, unknown> = {}) => ({
  name: 'Daily MTTR',
  report: 'mttr',
  params: { lookbackDays: 1 },
  cadence: { kind: 'daily', at: '06:00', timezone: 'Europe/Berlin' },
  emailTo: ['ops@example.test', 'boss@example.test'],
  webhookUrl: hookUrl,
  ...extra,
});

describe('schedules API', () => {
  it('creates (secret shown once), reads, updates with If-Match, deletes; admin only', async () => {
    const created = await api.call('POST', '/api/v1/reports/schedules', dailyMttr({ webhookSecret: 'a-secret-of-16-chars' }));
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ report: 'mttr', format: 'csv', webhookSecret: 'a-secret-of-16-chars', params: { lookbackDays: 1 }, version: 1 });
    const id = created.body.id as string;
    const read = await api.get(`/api/v1/reports/schedules/${id}`);
    expect(read.body).not.toHaveProperty('webhookSecret');
    expect(read.headers.etag).toBe('"1"');
    const stale = await api.call('PATCH', `/api/v1/reports/schedules/${id}`, { name: 'x' }, { 'if-match': '"7"' });
    expect(stale.status).toBe(412);
    const renamed = await api.call(
      'PATCH',
      `/api/v1/reports/schedules/${id}`,
      { name: 'Renamed', params: { lookbackDays: 7, modelId: 'chiller-x' } },
      { 'if-match': '"1"' },
    );
    expect(renamed.body).toMatchObject({ name: 'Renamed', params: { lookbackDays: 7, modelId: 'chiller-x' }, version: 2 });
    expect((await api.get('/api/v1/reports/schedules')).body.items.map((s: { id: string }) => s.id)).toEqual([id]);
    const dispatcher = await api.user('dispatcher');
    expect((await api.get('/api/v1/reports/schedules', dispatcher.auth)).status).toBe(403);
    expect((await api.call('DELETE', `/api/v1/reports/schedules/${id}`)).status).toBe(204);
    expect((await api.get(`/api/v1/reports/schedules/${id}`)).status).toBe(404);
  });

  it('rejects bad parameters, cadences and schedules without a recipient', async () => {
    const post = (body: unknown) => api.call('POST', '/api/v1/reports/schedules', body);
    const unknownFilter = await post(dailyMttr({ params: { colour: 'red' } }));
    expect(unknownFilter.status).toBe(400);
    expect(unknownFilter.body.code).toBe('VALIDATION_FAILED');
    expect((await post(dailyMttr({ report: 'sla-compliance', params: { groupBy: 'planet' } }))).status).toBe(400);
    expect((await post(dailyMttr({ params: { from: '2025-01-01' } }))).status).toBe(400);
    expect((await post(dailyMttr({ cadence: { kind: 'daily', at: '25:00' } }))).status).toBe(400);
    expect((await post(dailyMttr({ cadence: { kind: 'daily', at: '06:00', timezone: 'Mars/Olympus' } }))).status).toBe(400);
    expect((await post(dailyMttr({ emailTo: [], webhookUrl: undefined }))).status).toBe(400);
    expect((await post(dailyMttr({ report: 'nope' }))).status).toBe(400);
    const ok = await post(dailyMttr({ report: 'sla-compliance', params: { groupBy: 'customer' }, webhookUrl: null }));
    expect(ok.status, ok.text).toBe(201);
    expect(ok.body).toMatchObject({ params: { groupBy: 'customer', lookbackDays: 30 }, webhookSecret: null });
  });
});

describe('scheduled delivery', () => {
  it('delivers each period once across two runners, by e-mail (CSV attached) and signed webhook', async () => {
    const created = await api.call('POST', '/api/v1/reports/schedules', dailyMttr());
    const secret = created.body.webhookSecret as string;
    const [a, b] = [runner(), runner()];

    api.clock.set('2025-07-01T03:00:00Z'); // 05:00 in Berlin: the last 06:00 was before the schedule existed
    expect((await Promise.all([a.tick(), b.tick()])).map((r) => r.claimed)).toEqual([0, 0]);

    api.clock.set('2025-07-01T04:30:00Z'); // 06:30 in Berlin
    const results = await Promise.all([a.tick(), b.tick()]);
    expect(results.reduce((n, r) => n + r.claimed, 0)).toBe(1);
    expect(results.reduce((n, r) => n + r.delivered, 0)).toBe(1);
    expect((await Promise.all([a.tick(), b.tick()])).map((r) => r.claimed)).toEqual([0, 0]);

    expect(mails).toHaveLength(1);
    expect(mails[0]!.to.sort()).toEqual(['boss@example.test', 'ops@example.test']);
    expect(mails[0]!.raw).toMatch(/Subject: \[Telemend\] Daily MTTR: Mean time to repair per equipment model/);
    // The day before 06:00 Berlin (04:00Z): [2025-06-30T04:00Z, 2025-07-01T04:00Z) holds the 5-hour repair.
    const csv = parseCsv(attachment(mails[0]!.raw, 'mttr_2025-06-30_2025-07-01.csv'));
    expect(csv).toEqual([
      ['modelId', 'modelName', 'ticketsResolved', 'mttrHours', 'medianHours', 'minHours', 'maxHours'],
      ['chiller-x', 'Model chiller-x', '1', '5', '5', '5', '5'],
    ]);

    expect(hooks).toHaveLength(1);
    const hook = hooks[0]!;
    expect(verifySignature(secret, hook.body, hook.headers['x-telemend-signature'] as string)).toBe(true);
    expect(hook.headers['x-telemend-event']).toBe('report.delivered');
    const payload = JSON.parse(hook.body);
    expect(payload).toMatchObject({
      schedule: { id: created.body.id },
      run: { periodKey: 'd:2025-07-01', scheduledFor: '2025-07-01T04:00:00.000Z' },
      report: { report: 'mttr', rows: [{ modelId: 'chiller-x', mttrHours: 5 }] },
    });
    expect(payload.csv).toContain('chiller-x,Model chiller-x,1,5');

    const runs = await api.get(`/api/v1/reports/schedules/${created.body.id}/runs`);
    expect(runs.body.items).toEqual([expect.objectContaining({ periodKey: 'd:2025-07-01', status: 'delivered', attempts: 1, rowCount: 1, lastError: null })]);

    // The next day, both tasks running on their own timers: still one delivery for the period.
    api.clock.set('2025-07-02T05:00:00Z');
    const [c, d] = [runner({ tickMs: 20 }), runner({ tickMs: 20 })];
    await Promise.all([c.start(), d.start()]);
    try {
      await waitFor(async () => mails.length === 2 && hooks.length === 2, 'second day delivered');
      await new Promise((r) => setTimeout(r, 150)); // several more ticks of both tasks
    } finally {
      await Promise.all([c.stop(), d.stop()]);
    }
    expect(mails).toHaveLength(2);
    expect(hooks).toHaveLength(2);
    const periods = await api.db.query<{ period_key: string }>('SELECT period_key FROM report_runs WHERE schedule_id = $1 ORDER BY id', [created.body.id]);
    expect(periods.rows.map((r) => r.period_key)).toEqual(['d:2025-07-01', 'd:2025-07-02']);
  });

  it('retries only the failed channel with backoff, then gives up after maxAttempts', async () => {
    const created = await api.call('POST', '/api/v1/reports/schedules', { ...dailyMttr(), cadence: { kind: 'every_hours', hours: 6 }, format: 'json' });
    const task = runner({ retryBaseMs: 60_000, maxAttempts: 3 });
    hookAnswers = [500];

    api.clock.set('2025-07-01T06:05:00Z');
    expect(await task.tick()).toMatchObject({ claimed: 1, delivered: 0, failed: 1 });
    let [run] = (await api.get(`/api/v1/reports/schedules/${created.body.id}/runs`)).body.items;
    expect(run).toMatchObject({ status: 'failed', attempts: 1, nextAttemptAt: '2025-07-01T06:06:00.000Z', webhookDeliveredAt: null });
    expect(run.emailDeliveredAt).not.toBeNull();
    expect(run.lastError).toContain('webhook: webhook answered HTTP 500');
    expect(attachment(mails[0]!.raw, 'mttr_2025-06-30_2025-07-01.json')).toContain('"report": "mttr"');

    expect((await task.tick()).claimed).toBe(0); // not yet time to retry
    api.clock.set('2025-07-01T06:06:30Z');
    expect(await task.tick()).toMatchObject({ claimed: 1, delivered: 1 });
    [run] = (await api.get(`/api/v1/reports/schedules/${created.body.id}/runs`)).body.items;
    expect(run).toMatchObject({
      periodKey: `h6:${Math.floor(Date.parse('2025-07-01T06:00:00Z') / 21_600_000)}`,
      status: 'delivered',
      attempts: 2,
      lastError: null,
    });
    expect(mails).toHaveLength(1); // the e-mail was not sent again
    expect(hooks.map((h) => h.headers['x-telemend-attempt'])).toEqual(['1', '2']);
    expect(new Set(hooks.map((h) => h.headers['x-telemend-delivery'])).size).toBe(1);

    // Next period: the receiver keeps failing → retried at +1 min, +2 min, then given up.
    hookAnswers = [503, 503, 503];
    api.clock.set('2025-07-01T12:00:00Z');
    await task.tick();
    api.clock.set('2025-07-01T12:01:00Z');
    await task.tick();
    api.clock.set('2025-07-01T12:03:00Z');
    await task.tick();
    api.clock.set('2025-07-01T13:00:00Z');
    expect((await task.tick()).claimed).toBe(0);
    [run] = (await api.get(`/api/v1/reports/schedules/${created.body.id}/runs`)).body.items;
    expect(run).toMatchObject({ status: 'gave_up', attempts: 3, nextAttemptAt: null });
    expect(run.lastError).toContain('HTTP 503');
  });
});
