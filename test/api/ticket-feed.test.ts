/**
 * The dispatcher's feed is the server's: `open`, server-side filters (status, priority,
 * technician, unassigned, channel), `q` over number, customer, site, asset serial, fault and
 * text, `sort=slaDue`, cursor paging and `GET /tickets/counts` — real PGlite, with an old open
 * ticket behind more than 200 newer ones.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { seedAsset, startApi, type TestApi } from './api-fixture.js';

let api: TestApi;
let old: { id: string; number: string };
let technicianId: string;
const FILLERS = 205;

beforeAll(async () => {
  api = await startApi();
  const place = await seedAsset(api, 'Oldtimer-Kaelte');
  const created = await api.call('POST', '/api/v1/tickets', { channel: 'email', type: 'breakdown', priority: 'high', title: 'Compressor noise', description: 'Loud rattling since Monday', customerId: place.customerId, assetId: place.assetId, faultCode: 'F2' });
  expect(created.status).toBe(201);
  old = created.body;
  await api.db.query(`UPDATE tickets SET created_at = '2020-01-01T00:00:00Z', updated_at = '2020-01-01T00:00:00Z' WHERE id = $1`, [old.id]);
  const filler = await seedAsset(api, 'filler');
  // Newer tickets of every status (a third closed or cancelled), created now through SQL for speed.
  await api.db.query(
    `INSERT INTO tickets (channel, type, priority, title, customer_id, site_id, asset_id, status, sla_source, response_due_at, resolution_due_at, status_changed_at, created_by_type, created_by_id, created_at, updated_at)
     SELECT 'phone', 'breakdown', (ARRAY['low','medium','high','critical'])[1 + i % 4], 'Filler ' || i, $1, $2, $3,
            (ARRAY['new','closed','on_hold','cancelled','scheduled','resolved'])[1 + i % 6], 'default',
            now() + (i || ' minutes')::interval, now() + ((1000 - i) || ' minutes')::interval, now(), 'system', 'test', now() + (i || ' seconds')::interval, now()
     FROM generate_series(1, ${FILLERS}) AS i`,
    [filler.customerId, filler.siteId, filler.assetId],
  );
  const { rows } = await api.db.query<{ id: string }>(`INSERT INTO users (email, name, role) VALUES ('feed-tech@example.test', 'Feed Tech', 'technician') RETURNING id`);
  technicianId = rows[0]!.id;
});
afterAll(async () => {
  await api?.close();
});

const list = async (query: string) => {
  const res = await api.call('GET', `/api/v1/tickets?${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { items: { id: string; number: string; status: string; priority: string; technicianId: string | null; responseDueAt: string; resolutionDueAt: string; respondedAt: string | null }[]; nextCursor: string | null };
};
const ids = (page: { items: { id: string }[] }) => page.items.map((t) => t.id);

describe('GET /tickets: the feed', () => {
  test('q finds an old open ticket beyond the newest 200 by number, customer, site, serial, fault and text (case-insensitive)', async () => {
    expect(ids(await list('limit=200'))).not.toContain(old.id); // the newest 200 of every status, as the console loaded them
    for (const q of [old.number.toLowerCase(), 'oldtimer-KAELTE', 'site oldtimer', 'sn-oldtimer', 'f2', 'RATTLING', 'compressor noise']) {
      expect(ids(await list(`open=true&q=${encodeURIComponent(q)}`)), q).toEqual([old.id]);
    }
    expect(ids(await list('q=no-such-thing'))).toEqual([]);
  });

  test('open=true leaves out resolved, closed and cancelled; status, priority, channel filters', async () => {
    const open = await list('open=true&limit=200');
    expect(open.items.length).toBeGreaterThan(0);
    expect(new Set(open.items.map((t) => t.status))).toEqual(new Set(['new', 'on_hold', 'scheduled']));
    expect((await list('status=on_hold&limit=200')).items.every((t) => t.status === 'on_hold')).toBe(true);
    expect((await list('priority=critical&limit=200')).items.every((t) => t.priority === 'critical')).toBe(true);
    expect(ids(await list('channel=email'))).toEqual([old.id]);
  });

  test('technicianId and unassigned', async () => {
    expect((await api.call('POST', `/api/v1/tickets/${old.id}/assignment`, { technicianId })).status).toBe(200);
    expect(ids(await list(`technicianId=${technicianId}`))).toEqual([old.id]);
    expect(ids(await list('unassigned=false'))).toEqual([old.id]);
    const unassigned = await list('unassigned=true&open=true&limit=200');
    expect(unassigned.items.every((t) => t.technicianId === null)).toBe(true);
    expect(ids(unassigned)).not.toContain(old.id);
  });

  test('sort=slaDue: time to breach ascending, over cursor pages', async () => {
    const due = (t: { respondedAt: string | null; responseDueAt: string; resolutionDueAt: string }) =>
      t.respondedAt === null ? Math.min(Date.parse(t.responseDueAt), Date.parse(t.resolutionDueAt)) : Date.parse(t.resolutionDueAt);
    const seen: number[] = [];
    const all: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await list(`open=true&sort=slaDue&limit=40${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.items.map(due));
      all.push(...ids(page));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(new Set(all).size).toBe(all.length);
    expect(all).toContain(old.id);
    const counts = await api.call('GET', '/api/v1/tickets/counts?open=true');
    expect(all.length).toBe(counts.body.total);
  });
});

describe('GET /tickets/counts', () => {
  test('counts by status and priority come from the server, with the same filters', async () => {
    const { rows } = await api.db.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM tickets GROUP BY status`);
    const expected = Object.fromEntries(rows.map((r) => [r.status, r.n]));
    const all = await api.call('GET', '/api/v1/tickets/counts');
    expect(all.status).toBe(200);
    expect(all.body.total).toBe(FILLERS + 1);
    expect(all.body.byStatus).toMatchObject(expected);
    expect(all.body.byStatus.en_route).toBe(0);
    const open = await api.call('GET', '/api/v1/tickets/counts?open=true');
    expect(open.body.total).toBe((expected.new ?? 0) + (expected.on_hold ?? 0) + (expected.scheduled ?? 0) + (expected.assigned ?? 0));
    expect(open.body.byStatus.closed).toBe(0);
    const searched = await api.call('GET', '/api/v1/tickets/counts?open=true&q=oldtimer');
    expect(searched.body).toMatchObject({ total: 1, byPriority: { high: 1, low: 0 } });
  });
});
