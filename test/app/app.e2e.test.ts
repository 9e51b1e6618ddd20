/**
 * The technician app on a phone (390×844, touch, a fixed GPS position) against the real platform:
 * the technician signs in and sees today's job, sets out (the position reaches the server), then
 * loses the network, logs labour, a part from the van and a photo — kept on the device, the app
 * reopening from its service worker while offline — and when the network returns the office sees
 * each exactly once. A change the office makes meanwhile shows as a conflict with both versions.
 */
import sharp from 'sharp';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../harness/platform.js';
import { waitFor } from '../harness/servers.js';
import { CHROMIUM_ARGS, expectAccessible, ok, PASSWORD, screenshotPath } from '../console/console-helpers.js';

const HOUR = 3_600_000;
const POSITION = { latitude: 53.5503, longitude: 9.9937 };
const SHIFT = [['00:00', '23:59']];
const WEEK = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, SHIFT]));

interface Visit {
  id: string;
  version: number;
  labour: { minutes: number }[];
  parts: { sku: string; quantity: number }[];
}

let t: TestPlatform;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const ids = { tech: '', ticket: '', number: '', visit: '', later: '' };

/** Today's visit lies within today (UTC, the browser's zone too) and its working hours, whatever the hour the test runs. */
function todaysWindow(): { plannedStart: string; plannedEnd: string } {
  const now = new Date();
  const day = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const start = day + Math.max(0, now.getUTCHours() - 1) * HOUR;
  const end = Math.min(start + 2 * HOUR, day + 23 * HOUR + 59 * 60_000);
  return { plannedStart: new Date(start).toISOString(), plannedEnd: new Date(end).toISOString() };
}

/** Dispatches a ticket to the technician (ticket scheduled, one visit) and returns the visit's id. */
async function dispatch(ticketId: string, window: { plannedStart: string; plannedEnd: string }): Promise<string> {
  await ok(t, 'POST', `/api/v1/tickets/${ticketId}/dispatch`, { technicianId: ids.tech, start: window.plannedStart, end: window.plannedEnd }, 200);
  const visits = await ok<{ items: { id: string }[] }>(t, 'GET', `/api/v1/tickets/${ticketId}/visits`, undefined, 200);
  return visits.items[0]!.id;
}

beforeAll(async () => {
  t = await startTestPlatform({ HTTP_RATE_LIMIT_MAX: '100000' });
  const tech = await ok<{ id: string }>(t, 'POST', '/api/v1/users', { email: 'lena@app.test', name: 'Lena Vogt', role: 'technician', password: PASSWORD });
  ids.tech = tech.id;
  await ok(t, 'PUT', `/api/v1/technicians/${tech.id}`, { homeBase: { lat: 53.6, lon: 10.05, label: 'Depot' }, timezone: 'UTC', workingHours: WEEK }, 200);
  await ok(t, 'POST', '/api/v1/parts', { sku: 'FLT-200', description: 'Filter drier 3/8"', unitPrice: 42, unitCost: 20 });
  const van = await ok(t, 'POST', '/api/v1/stock/locations', { code: 'VAN-LV', name: "Lena's van", kind: 'van', technicianId: tech.id });
  await ok(t, 'POST', '/api/v1/stock/receipts', { locationId: van.id, lines: [{ sku: 'FLT-200', quantity: 4 }] });
  const customer = await ok(t, 'POST', '/api/v1/customers', { name: 'Nordkühl Logistik GmbH', phone: '+49 40 123456' });
  const site = await ok(t, 'POST', '/api/v1/sites', {
    customerId: customer.id,
    name: 'Cold store DC-2',
    address: 'Am Kaiserkai 10',
    city: 'Hamburg',
    country: 'DE',
    latitude: 53.541,
    longitude: 9.984,
  });
  const asset = await ok(t, 'POST', '/api/v1/assets', { siteId: site.id, modelId: 'water-chiller-wc200', serialNumber: 'WC200-HH-0417' });
  const ticket = await ok(t, 'POST', '/api/v1/tickets', {
    channel: 'phone',
    type: 'breakdown',
    priority: 'high',
    title: 'Compressor trips on high pressure',
    customerId: customer.id,
    siteId: site.id,
    assetId: asset.id,
    faultCode: 'COMPRESSOR_FAILURE',
  });
  ids.ticket = ticket.id;
  ids.number = ticket.number;
  ids.visit = await dispatch(ticket.id, todaysWindow());
  const later = await ok(t, 'POST', '/api/v1/tickets', {
    channel: 'email',
    type: 'maintenance',
    priority: 'low',
    title: 'Annual maintenance',
    customerId: customer.id,
    siteId: site.id,
  });
  const tomorrow = Date.parse(todaysWindow().plannedStart) + 24 * HOUR + 8 * HOUR;
  ids.later = await dispatch(later.id, { plannedStart: new Date(tomorrow).toISOString(), plannedEnd: new Date(tomorrow + HOUR).toISOString() });

  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    timezoneId: 'UTC',
    locale: 'en-GB',
    geolocation: POSITION,
    permissions: ['geolocation'],
    // axe-core is injected as a script tag; the app's own CSP is the server's (asserted below).
    bypassCSP: true,
  });
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (error) => console.error('page error:', error.message));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

const visit = async (): Promise<Visit> => ok<Visit>(t, 'GET', `/api/v1/visits/${ids.visit}`, undefined, 200);

describe('technician app', () => {
  test('is an installable PWA: manifest, icons and a service worker the CSP allows', async () => {
    const res = await fetch(`${t.api}/app/manifest.webmanifest`);
    expect(res.status).toBe(200);
    const manifest = (await res.json()) as { start_url: string; scope: string; display: string; icons: { sizes: string }[] };
    expect(manifest).toMatchObject({ start_url: '/app/', scope: '/app/', display: 'standalone' });
    expect(manifest.icons.map((i) => i.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']));
    const worker = await fetch(`${t.api}/app/sw.js`);
    expect(worker.status).toBe(200);
    expect(worker.headers.get('content-type')).toMatch(/javascript/);
    const csp = worker.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(await worker.text()).toContain('/app/index.html');
    expect((await fetch(`${t.api}/app/icon-192.png`)).headers.get('content-type')).toBe('image/png');
  });

  test("a technician sees today's job, sets out, works offline, and the office sees everything once", async () => {
    await page.goto(`${t.api}/app/`);
    await page.fill('#email', 'lena@app.test');
    await page.fill('#password', PASSWORD);
    await page.click('button[type=submit]');
    const card = page.locator(`.job-link[data-visit="${ids.visit}"]`);
    await card.waitFor({ timeout: 15_000 });
    await expect.poll(() => card.innerText()).toContain('Compressor trips on high pressure');
    expect(await card.innerText()).toContain('Nordkühl Logistik GmbH');
    expect(await card.innerText()).toMatch(/High/);
    await page.locator(`.job-link[data-visit="${ids.later}"]`).waitFor();
    expect(await page.locator('#upcoming-title').innerText()).toBe('Upcoming');
    await expectAccessible(page, 'today list');
    await page.screenshot({ path: screenshotPath('app-today') });
    // The shell is cached by the service worker before the network goes.
    await page.evaluate('navigator.serviceWorker.ready.then(() => true)');

    await card.click();
    await page.waitForSelector('#visit-title');
    expect(decodeURIComponent((await page.locator('.where-actions a').first().getAttribute('href')) ?? '')).toContain('53.541,9.984');
    await page.click('#en-route');
    await page.waitForSelector('#arrived');
    // The phone's position reaches the server while travelling.
    await waitFor(
      async () => {
        const res = await t.call<{ items: { lat: number; lon: number }[] }>('GET', `/api/v1/technicians/${ids.tech}/locations`);
        return res.body.items?.some((p) => Math.abs(p.lat - POSITION.latitude) < 1e-4 && Math.abs(p.lon - POSITION.longitude) < 1e-4) ?? false;
      },
      'the position at the server',
      15_000,
    );
    await page.click('#arrived');
    await page.waitForSelector('#labour-start');
    await expect.poll(async () => (await visit()).version, { timeout: 10_000 }).toBeGreaterThan(0);
    await page.waitForSelector('#sync-state.sync-online');

    // No network: everything is kept on the device.
    await context.setOffline(true);
    await page.waitForSelector('#sync-state.sync-offline');
    await page.click('#labour-start');
    await page.click('#labour-stop');
    await page.fill('#part-sku', 'FLT-200');
    await page.fill('#part-qty', '2');
    await page.click('#part-add');
    const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#4477aa' } })
      .png()
      .toBuffer();
    await page.setInputFiles('#photo-file', { name: 'pressure-gauge.png', mimeType: 'image/png', buffer: png });
    await page.waitForSelector('.photo.is-pending img');
    expect(await page.locator('#sync-state').innerText()).toContain('3 waiting to sync');

    // The app reopens offline: the shell from the service worker, the job and the outbox from IndexedDB.
    await page.reload();
    await page.waitForSelector('#visit-title');
    expect(await page.locator('#sync-state').innerText()).toContain('3 waiting to sync');
    const before = await visit();
    expect(before.labour).toHaveLength(0);
    expect(before.parts).toHaveLength(0);
    await expectAccessible(page, 'visit');
    await page.screenshot({ path: screenshotPath('app-visit'), fullPage: true, clip: { x: 0, y: 0, width: 390, height: 1800 } });

    await context.setOffline(false);
    await page.waitForSelector('#sync-state.sync-online', { timeout: 15_000 });
    const after = await visit();
    expect(after.labour).toHaveLength(1);
    expect(after.parts.map((p) => [p.sku, p.quantity])).toEqual([['FLT-200', 2]]);
    const files = await ok<{ items: { fileName: string }[] }>(t, 'GET', `/api/v1/visits/${ids.visit}/attachments`, undefined, 200);
    expect(files.items).toHaveLength(1);
    // Replaying again changes nothing: each action was sent once and left the outbox.
    await page.evaluate("window.dispatchEvent(new Event('online'))");
    await page.waitForSelector('#sync-state.sync-online');
    expect((await visit()).labour).toHaveLength(1);
  }, 60_000);

  test('an office change made while offline shows both versions; re-applying mine goes through', { timeout: 60_000 }, async () => {
    await context.setOffline(true);
    await page.waitForSelector('#sync-state.sync-offline');
    await page.click('#labour-start');
    await page.click('#labour-stop');
    // Meanwhile the office writes a note on the visit: the technician's version is now stale.
    const current = await visit();
    const res = await t.call('PATCH', `/api/v1/visits/${ids.visit}`, { notes: 'Customer asks to finish before 16:00' });
    expect(res.status).toBe(200);
    await context.setOffline(false);
    const conflict = page.locator('.conflicts .issue');
    await conflict.waitFor({ timeout: 15_000 });
    // Both versions: mine (the labour) and the office's (with its note); nothing applied yet.
    expect(await conflict.innerText()).toContain('Labour 1 min');
    expect(await conflict.innerText()).toContain('Customer asks to finish before 16:00');
    expect((await visit()).labour).toHaveLength(1);
    await conflict.locator('button', { hasText: 'Re-apply mine' }).click();
    await page.waitForSelector('#sync-state.sync-online', { timeout: 15_000 });
    await expect.poll(async () => (await visit()).labour.length, { timeout: 10_000 }).toBe(2);
    expect((await visit()).version).toBeGreaterThan(current.version);
  });

  test('a push message becomes a notification from the service worker, leading to the visit', async () => {
    await context.grantPermissions(['notifications'], { origin: t.api });
    const cdp = await context.newCDPSession(page);
    await cdp.send('ServiceWorker.enable');
    const registrationId = await new Promise<string>((resolve) => {
      cdp.on('ServiceWorker.workerRegistrationUpdated', (event: { registrations: { registrationId: string; scopeURL: string }[] }) => {
        const found = event.registrations.find((r) => r.scopeURL.endsWith('/app/'));
        if (found) resolve(found.registrationId);
      });
    });
    const data = JSON.stringify({ title: 'New visit assigned', body: `${ids.number} tomorrow 08:00`, visitId: ids.later });
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: new URL(t.api).origin, registrationId, data });
    const shown = async (): Promise<{ title: string; url: string }[]> =>
      page.evaluate(
        'navigator.serviceWorker.ready.then((r) => r.getNotifications()).then((list) => list.map((n) => ({ title: n.title, url: n.data && n.data.url })))',
      );
    await expect.poll(shown, { timeout: 10_000 }).toEqual([{ title: 'New visit assigned', url: `/app/#/visit/${ids.later}` }]);
  });
});
