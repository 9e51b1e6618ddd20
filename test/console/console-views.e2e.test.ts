/**
 * The dispatcher console's feed, panel actions, map, and alarms and devices, in headless Chromium
 * against the real platform. 240 recent open tickets and one older one on hold are written
 * straight into the database (between two starts of the platform on the same data folder), so
 * the older one is beyond the newest 200: the server's filters and search must find it. The map's
 * tile server is unreachable: its markers must show anyway. axe-core checks each view.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { migrate } from '../../src/app/migrations.js';
import { openDatabase } from '../../src/kernel/db/database.js';
import { startTestPlatform, type TestPlatform } from '../harness/platform.js';
import { waitFor } from '../harness/servers.js';
import { expectAccessible, ok, openBrowser, PASSWORD, screenshotPath, signIn } from './console-helpers.js';

const MODEL = 'water-chiller-wc200';
// Nothing listens on port 9 (discard): every tile fails at once, as without network.
const ENV = { HTTP_RATE_LIMIT_MAX: '100000', CONSOLE_MAP_TILES: 'http://127.0.0.1:9/{z}/{x}/{y}.png', GRAFANA_URL: 'http://grafana.example.test:3000' };

let dataDir: string;
let t: TestPlatform;
let browser: Browser;
let page: Page;
const ids = { customer: '', site: '', asset: '', lena: '', jonas: '', legacy: '', legacyNumber: '', alarm: '', steady: '', device: '' };

/** Phase 1, through the API: people, places, equipment. Phase 2, in the database: the tickets and an alarm. */
async function seed(): Promise<void> {
  const first = await startTestPlatform({ ...ENV, DATA_DIR: dataDir });
  try {
    await ok(first, 'POST', '/api/v1/users', { email: 'dispatch@views.test', name: 'Sam Weber', role: 'dispatcher', password: PASSWORD });
    const lena = await ok<{ id: string }>(first, 'POST', '/api/v1/users', {
      email: 'lena@views.test',
      name: 'Lena Vogt',
      role: 'technician',
      password: PASSWORD,
      skills: ['refrigeration'],
    });
    ids.lena = lena.id;
    ids.jonas = (
      await ok<{ id: string }>(first, 'POST', '/api/v1/users', {
        email: 'jonas@views.test',
        name: 'Jonas Berg',
        role: 'technician',
        password: PASSWORD,
        skills: ['refrigeration'],
      })
    ).id;
    await ok(
      first,
      'PUT',
      `/api/v1/technicians/${lena.id}`,
      { skills: [{ name: 'refrigeration', level: 3 }], homeBase: { lat: 53.57, lon: 10.03, label: 'Wandsbek' }, timezone: 'UTC' },
      200,
    );
    const located = await first.call('POST', `/api/v1/technicians/${lena.id}/location`, {
      lat: 53.63,
      lon: 9.88,
      at: new Date(Date.now() - 25 * 60_000).toISOString(),
    });
    expect([200, 201, 202, 204]).toContain(located.status);
    const customer = await ok(first, 'POST', '/api/v1/customers', { name: 'Nordkühl Logistik GmbH' });
    ids.customer = customer.id;
    const site = await ok(first, 'POST', '/api/v1/sites', {
      customerId: customer.id,
      name: 'Cold store DC-2',
      city: 'Hamburg',
      country: 'DE',
      latitude: 53.53,
      longitude: 10.0,
    });
    ids.site = site.id;
    const other = await ok(first, 'POST', '/api/v1/sites', {
      customerId: customer.id,
      name: 'Depot Bremen',
      city: 'Bremen',
      country: 'DE',
      latitude: 53.08,
      longitude: 8.8,
    });
    const asset = await ok(first, 'POST', '/api/v1/assets', { siteId: site.id, modelId: MODEL, serialNumber: 'WC200-HH-0417' });
    ids.asset = asset.id;
    ids.device = (await ok<{ deviceId: string }>(first, 'POST', `/api/v1/assets/${asset.id}/device`)).deviceId;
    await ok(first, 'POST', '/api/v1/tickets', {
      channel: 'phone',
      type: 'breakdown',
      priority: 'high',
      title: 'Depot door heater dead',
      customerId: customer.id,
      siteId: other.id,
    });
  } finally {
    await first.stop();
  }
  const db = await openDatabase({ dataDir });
  try {
    await migrate(db);
    // 240 open tickets, one an hour back from now, and an older one on hold, 30 days back.
    await db.query(
      `INSERT INTO tickets (channel, type, priority, title, description, customer_id, site_id, asset_id, status, technician_id, hold_reason, sla_source, response_due_at, resolution_due_at,
         status_changed_at, created_by_type, created_by_id, created_at, updated_at)
       SELECT 'phone', 'maintenance', 'low', x.title, x.description, $1, $2, x.asset_id, x.status, x.technician_id, x.hold_reason, 'default', now() + interval '2 days', now() + interval '5 days',
         x.created, 'system', 'seed', x.created, x.created
       FROM (SELECT 'Legacy boiler rattles at night' AS title, 'The old boiler in the plant room rattles after 22:00.' AS description, 'on_hold' AS status,
               $3::uuid AS technician_id, 'parts' AS hold_reason, now() - interval '30 days' AS created, $4::uuid AS asset_id
             UNION ALL
             SELECT 'Routine filter check ' || n, NULL, 'new', NULL, NULL, now() - make_interval(hours => n), NULL FROM generate_series(1, 240) AS n) x
       ORDER BY x.created`,
      [ids.customer, ids.site, ids.lena, ids.asset],
    );
    const legacy = await db.query<{ id: string; number: string }>(`SELECT id, number FROM tickets WHERE title = 'Legacy boiler rattles at night'`);
    ids.legacy = legacy.rows[0]!.id;
    ids.legacyNumber = legacy.rows[0]!.number;
    const alarm = await db.query<{ id: string }>(
      `INSERT INTO alarms (asset_id, device_id, model_id, rule_id, fault_code, kind, severity, state, first_seen_at, last_seen_at, evidence)
       VALUES ($1, $2, $3, 'condenser-pressure-high', 'HIGH_CONDENSER_PRESSURE', 'threshold', 'alarm', 'active', now() - interval '40 minutes', now() - interval '5 minutes', '{"latest": {"metric": "condenser_pressure", "threshold": 18}, "history": []}') RETURNING id`,
      [ids.asset, ids.device, MODEL],
    );
    ids.alarm = alarm.rows[0]!.id;
    // A learned rule's alarm whose score has been steady for two hours: the new normal.
    const steady = await db.query<{ id: string }>(
      `INSERT INTO alarms (asset_id, device_id, model_id, rule_id, fault_code, kind, severity, state, first_seen_at, last_seen_at, evidence, new_normal_since)
       VALUES ($1, $2, $3, 'refrigerant-behaviour', 'LOW_REFRIGERANT_CHARGE', 'learned', 'warning', 'active', now() - interval '5 hours', now() - interval '5 minutes', '{"latest": {}, "history": []}', now() - interval '2 hours') RETURNING id`,
      [ids.asset, ids.device, MODEL],
    );
    ids.steady = steady.rows[0]!.id;
    await db.query(`UPDATE devices SET last_seen_at = now() - interval '3 hours', online = false WHERE id = $1`, [ids.device]);
  } finally {
    await db.close();
  }
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'telemend-console-views-'));
  await seed();
  t = await startTestPlatform({ ...ENV, DATA_DIR: dataDir });
  ({ browser, page } = await openBrowser());
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await t?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const feedNumbers = (): Promise<string[]> =>
  page.locator('.feed-item').evaluateAll((els) => els.map((el) => (el as unknown as { dataset: Record<string, string | undefined> }).dataset.number ?? ''));
/** Picks an option of a feed filter (a Web Awesome select) as the component does: value, then its change event. */
async function chooseFilter(name: string, value: string): Promise<void> {
  await page.locator(`wa-select[data-filter="${name}"]`).evaluate((el, v) => {
    const select = el as unknown as { value: string; dispatchEvent(event: unknown): boolean };
    select.value = v;
    select.dispatchEvent(
      new (globalThis as unknown as { Event: new (type: string, init: object) => unknown }).Event('change', { bubbles: true, composed: true }),
    );
  }, value);
}

describe('dispatcher console views', () => {
  test('the feed is the server’s: paging, filters and search reach a ticket beyond the newest 200', async () => {
    await signIn(page, t.api, 'dispatch@views.test');
    await page.waitForSelector('.feed-item');
    expect(await page.locator('.feed-item').count()).toBe(50);
    // The counts are the server's, over every open ticket: 240 + the one on hold + the depot's.
    const count = (name: string): Promise<string | null> => page.textContent(`#summary [data-count="${name}"] b`);
    await waitFor(async () => (await count('total')) === '242', 'the server counts', 10_000);
    expect(await count('unassigned')).toBe('241');
    expect(await feedNumbers()).not.toContain(ids.legacyNumber);
    await page.click('.load-more');
    await waitFor(async () => (await page.locator('.feed-item').count()) === 100, 'the second page', 10_000);

    await page.fill('#search', 'rattles');
    await waitFor(async () => (await feedNumbers()).join() === ids.legacyNumber, 'the search to find the old ticket', 10_000);
    expect(await count('total')).toBe('1');
    // The search covers the site too.
    await page.fill('#search', 'Depot Bremen');
    await waitFor(
      async () => (await page.locator('.feed-item').count()) === 1 && (await page.textContent('.feed-item .fi-title')) === 'Depot door heater dead',
      'the site search',
      10_000,
    );
    await page.fill('#search', '');
    await waitFor(async () => (await page.locator('.feed-item').count()) === 50, 'the search cleared', 10_000);

    await chooseFilter('status', 'on_hold');
    await waitFor(async () => (await feedNumbers()).join() === ids.legacyNumber, 'the on-hold filter', 10_000);
    await chooseFilter('status', 'open');
    await chooseFilter('technicianId', ids.lena);
    await waitFor(async () => (await feedNumbers()).join() === ids.legacyNumber, 'the technician filter', 10_000);
    await chooseFilter('technicianId', 'any');
    await page.click('wa-button[data-filter="unassigned"]');
    await waitFor(async () => (await count('total')) === '241', 'the unassigned filter', 10_000);
    expect(await feedNumbers()).not.toContain(ids.legacyNumber);
    await page.click('wa-button[data-filter="unassigned"]');
    await expectAccessible(page, 'feed');
  }, 40_000);

  test('the panel changes status, priority, technician and notes, links to the asset history and the customer 360, and cancels only with a reason', async () => {
    await page.fill('#search', 'rattles');
    await page.locator(`.feed-item[data-number="${ids.legacyNumber}"]`).click();
    await page.waitForSelector('.card:has(h3:text("Actions")) button[data-to="in_progress"]');
    const status = async (): Promise<string> =>
      (await ok<{ status: string; priority: string }>(t, 'GET', `/api/v1/tickets/${ids.legacy}`, undefined, 200)).status;

    await page.click('button[data-to="in_progress"]');
    await waitFor(async () => (await status()) === 'in_progress', 'resume', 10_000);
    await page.waitForSelector('button[data-to="on_hold"]');
    await page.selectOption('select[name="holdReason"]', 'customer');
    await page.click('button[data-to="on_hold"]');
    await waitFor(async () => (await status()) === 'on_hold', 'hold', 10_000);
    expect((await ok<{ holdReason: string }>(t, 'GET', `/api/v1/tickets/${ids.legacy}`, undefined, 200)).holdReason).toBe('customer');

    await page.waitForSelector('button[data-to="in_progress"]');
    await page.selectOption('select[name="priority"]', 'critical');
    await waitFor(
      async () => (await ok<{ priority: string }>(t, 'GET', `/api/v1/tickets/${ids.legacy}`, undefined, 200)).priority === 'critical',
      'priority',
      10_000,
    );

    // Reassigned from Lena to Jonas in the panel.
    await page.selectOption('select[name="technician"]', ids.jonas);
    await waitFor(
      async () => (await ok<{ technicianId: string }>(t, 'GET', `/api/v1/tickets/${ids.legacy}`, undefined, 200)).technicianId === ids.jonas,
      'reassign',
      10_000,
    );
    await page.waitForSelector('.ph-assignee:has-text("Jonas Berg")');

    // The asset's history opens from the asset link: this ticket's opening is in it.
    await page.click('.ph-meta button[title="Asset history"]');
    await page.waitForSelector('#details-body ol.history li');
    expect(await page.textContent('#details-body ol.history')).toContain(`${ids.legacyNumber} opened`);
    await page.keyboard.press('Escape');
    await page.waitForSelector('#details[open]', { state: 'detached', timeout: 5_000 }).catch(() => undefined);

    await page.fill('textarea[name="note"]', 'Customer asks for a visit after 14:00.');
    await page.click('.note-form button[type=submit]');
    await page.waitForSelector('.note:has-text("after 14:00")');
    const notes = await ok<{ items: { kind: string; ticketId: string; body: string }[] }>(
      t,
      'GET',
      `/api/v1/activities?ticketId=${ids.legacy}`,
      undefined,
      200,
    );
    expect(notes.items).toEqual([expect.objectContaining({ kind: 'note', ticketId: ids.legacy, body: 'Customer asks for a visit after 14:00.' })]);
    await page.locator('#panel').evaluate((el) => void ((el as unknown as { scrollTop: number }).scrollTop = 0));
    await page.mouse.move(0, 0);
    await page.screenshot({ path: screenshotPath('console-panel') });

    // The asset's Grafana dashboard, from GRAFANA_URL by the dashboards' naming convention.
    expect(await page.getAttribute('.ph-meta a.ext', 'href')).toBe(`http://grafana.example.test:3000/d/telemend-asset-${MODEL}?var-asset=${ids.asset}`);
    await page.click('.ph-meta button[title="Customer 360"]');
    await page.waitForSelector('#details-body .c360');
    expect(await page.textContent('#details-body')).toContain('Cold store DC-2');
    await page.keyboard.press('Escape');
    await page.waitForSelector('#details[open]', { state: 'detached', timeout: 5_000 }).catch(() => undefined);
    await expectAccessible(page, 'ticket panel');

    await page.click('button[data-to="cancelled"]');
    await page.waitForSelector('.toast:has-text("needs a reason")');
    expect(await status()).toBe('on_hold');
    await page.fill('input[name="reason"]', 'Customer replaced the boiler');
    await page.click('button[data-to="cancelled"]');
    await waitFor(async () => (await status()) === 'cancelled', 'cancel', 10_000);
    await page.fill('#search', '');
  }, 40_000);

  test('the map shows the sites of open tickets and the technician’s last position without any tiles', async () => {
    await page.click('#views wa-button[data-view="map"]');
    await page.waitForSelector('.map-marker.site');
    await page.waitForSelector('.map-marker.tech');
    // The cancelled ticket's site still has 240 open ones; the Bremen depot has its own.
    expect(await page.locator('.map-marker.site').count()).toBe(2);
    expect(await page.getAttribute('.map-marker.tech', 'aria-label')).toMatch(/^LV Lena Vogt, seen 2\dm ago$/);
    await page.waitForSelector('.tiles-missing');
    // The tile source is configuration, allowed by the CSP.
    const settings = await fetch(`${t.api}/console/config.json`);
    expect(await settings.json()).toMatchObject({ mapTiles: ENV.CONSOLE_MAP_TILES, grafanaUrl: ENV.GRAFANA_URL });
    expect(settings.headers.get('content-security-policy')).toMatch(/img-src 'self' data: http:\/\/127\.0\.0\.1:9[ ;]/);
    await page.screenshot({ path: screenshotPath('console-map') });
    await expectAccessible(page, 'map');
  }, 30_000);

  test('active alarms are acknowledged, a steady one is marked as the new normal; offline devices show since when', async () => {
    await page.click('#views wa-button[data-view="ops"]');
    await page.waitForSelector(`.alarm-row[data-alarm-id="${ids.alarm}"]`, { timeout: 10_000 });
    expect(await page.textContent(`.device-row[data-device-id="${ids.device}"]`)).toMatch(/3h \dm ago/);
    await expectAccessible(page, 'alarms and devices');
    // The steady one is marked as the new normal and offers the one-click accept.
    const steady = page.locator(`.alarm-row[data-alarm-id="${ids.steady}"]`);
    expect(await steady.locator('.new-normal').textContent()).toBe('Looks like the new normal');
    expect(await steady.locator('button.accept-normal').count()).toBe(1);
    expect(await page.locator(`.alarm-row[data-alarm-id="${ids.alarm}"] .new-normal`).count()).toBe(0);
    await page.click(`.alarm-row[data-alarm-id="${ids.alarm}"] button.ack`);
    await page.waitForSelector(`.alarm-row[data-alarm-id="${ids.alarm}"]`, { state: 'detached' });
    expect((await ok<{ state: string }>(t, 'GET', `/api/v1/alarms/${ids.alarm}`, undefined, 200)).state).toBe('acknowledged');
  }, 30_000);
});
