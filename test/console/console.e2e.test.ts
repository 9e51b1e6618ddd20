/**
 * The dispatcher console end to end, in headless Chromium (Debian's chromium via playwright-core):
 * the whole platform runs (broker, ingest, InfluxDB, detection worker, API, SSE); a dispatcher signs
 * in at /console; the fleet simulator injects a compressor failure into a chiller over MQTT; the
 * auto-ticket appears in the live feed without a reload; its diagnosis, evidence chart and ranked
 * technicians show; one click assigns it, which the API confirms (ticket assigned, and a planned
 * visit when the dispatch module is installed) and the day board shows. Saves docs/console.png.
 */
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runFleet, type FleetRun } from '../../simulators/fleet.js';
import { startTestPlatform, type TestPlatform } from '../harness/platform.js';
import { waitFor } from '../harness/servers.js';
import type { EquipmentModel } from '../../src/telemetry/models/models.schema.js';

const MODEL = 'water-chiller-wc200';
const FAULT = 'COMPRESSOR_FAILURE';
const PASSWORD = 'console-e2e-password-1';
// The README's screenshot is refreshed with UPDATE_SCREENSHOT=1; otherwise the run's own goes to the temp folder.
const SCREENSHOT = process.env.UPDATE_SCREENSHOT === '1' ? path.resolve('docs/console.png') : path.join(os.tmpdir(), 'telemend-console.png');
const PHONE_SCREENSHOT = process.env.UPDATE_SCREENSHOT === '1' ? path.resolve('docs/console-phone.png') : path.join(os.tmpdir(), 'telemend-console-phone.png');
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const ALL_DAY = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [['00:00', '24:00']]]));

interface Ticket {
  id: string;
  number: string;
  channel: string;
  status: string;
  faultCode: string | null;
  technicianId: string | null;
}

let t: TestPlatform;
let browser: Browser;
let page: Page;
let fleet: FleetRun | undefined;
let model: EquipmentModel;
let assetId: string;
let device: { deviceId: string; token: string };
const techs: Record<'lena' | 'jonas' | 'mia', string> = { lena: '', jonas: '', mia: '' };
let dispatchInstalled = false;

async function ok<T = Record<string, string>>(method: string, url: string, body?: unknown, status = 201): Promise<T> {
  const res = await t.call<T>(method, url, body);
  if (res.status !== status) throw new Error(`${method} ${url}: expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

async function technician(name: string, email: string, skill: string, territory: string, home: { lat: number; lon: number; label: string }): Promise<string> {
  const user = await ok<{ id: string }>('POST', '/api/v1/users', {
    email,
    name,
    role: 'technician',
    password: PASSWORD,
    skills: [skill],
    territories: [territory],
  });
  // The technician profile (dispatch helper's API): skill level, home base, all-day hours in UTC so
  // the visit is planned at the first free slot, today or tomorrow. Absent module: the user alone is enough.
  const profile = await t.call('PUT', `/api/v1/technicians/${user.id}`, {
    skills: [{ name: skill, level: 4 }],
    homeBase: home,
    timezone: 'UTC',
    workingHours: ALL_DAY,
  });
  if (profile.status !== 404) expect(profile.status, JSON.stringify(profile.body)).toBe(200);
  return user.id;
}

/** Parts of the fault in a central warehouse, and some of them on Lena's van (stock module). */
async function seedStock(): Promise<void> {
  const parts = model.faults.find((f) => f.code === FAULT)!.parts;
  for (const p of parts) await ok('POST', '/api/v1/parts', { sku: p.sku, description: p.description, unitPrice: 100, unitCost: 60, compatibleModels: [MODEL] });
  const central = await ok('POST', '/api/v1/stock/locations', {
    code: 'HH-CENTRAL',
    name: 'Hamburg central warehouse',
    kind: 'central',
    latitude: 53.63,
    longitude: 9.99,
  });
  await ok('POST', '/api/v1/stock/receipts', { locationId: central.id, lines: parts.map((p) => ({ sku: p.sku, quantity: 4 })) });
  const van = await ok('POST', '/api/v1/stock/locations', { code: 'VAN-LV', name: "Lena Vogt's van", kind: 'van', technicianId: techs.lena });
  await ok('POST', '/api/v1/stock/receipts', { locationId: van.id, lines: parts.slice(1, 4).map((p) => ({ sku: p.sku, quantity: p.quantity })) });
}

beforeAll(async () => {
  t = await startTestPlatform({ HTTP_RATE_LIMIT_MAX: '100000' });
  model = await ok<EquipmentModel>('GET', `/api/v1/models/${MODEL}`, undefined, 200);
  await ok('POST', '/api/v1/users', { email: 'dispatch@nordkuehl.test', name: 'Sam Weber', role: 'dispatcher', password: PASSWORD });
  techs.lena = await technician('Lena Vogt', 'lena@nordkuehl.test', 'refrigeration', 'Hamburg', { lat: 53.57, lon: 10.03, label: 'Hamburg-Wandsbek' });
  techs.jonas = await technician('Jonas Berg', 'jonas@nordkuehl.test', 'refrigeration', 'Bremen', { lat: 53.08, lon: 8.8, label: 'Bremen' });
  techs.mia = await technician('Mia Schulz', 'mia@nordkuehl.test', 'electrical', 'Hamburg', { lat: 53.55, lon: 9.99, label: 'Hamburg-Mitte' });

  const customer = await ok('POST', '/api/v1/customers', { name: 'Nordkühl Logistik GmbH' });
  const site = await ok('POST', '/api/v1/sites', {
    customerId: customer.id,
    name: 'Cold store DC-2',
    city: 'Hamburg',
    country: 'DE',
    latitude: 53.53,
    longitude: 10.0,
  });
  const asset = await ok('POST', '/api/v1/assets', { siteId: site.id, modelId: MODEL, serialNumber: 'WC200-HH-0417' });
  assetId = asset.id;
  device = await ok('POST', `/api/v1/assets/${asset.id}/device`);
  await ok('POST', '/api/v1/knowledge/articles', {
    title: 'WC200: replacing a burnt-out scroll compressor',
    body: 'Megger the windings, acid-test the oil, fit burn-out driers.',
    modelIds: [MODEL],
    faultCodes: [FAULT],
    status: 'published',
  });
  // Older tickets so the feed is not empty before the fault.
  const other = await ok('POST', '/api/v1/customers', { name: 'Elbe Brauerei AG' });
  await ok('POST', '/api/v1/tickets', {
    channel: 'phone',
    type: 'breakdown',
    priority: 'high',
    title: 'Glycol pump tripping on start-up',
    customerId: other.id,
  });
  await ok('POST', '/api/v1/tickets', {
    channel: 'phone',
    type: 'breakdown',
    priority: 'medium',
    title: 'Water dripping from the condensate tray',
    assetId: asset.id,
  });
  await ok('POST', '/api/v1/tickets', { channel: 'email', type: 'inspection', priority: 'low', title: 'Annual F-gas leak check due', customerId: customer.id });
  await seedStock();

  const routes = await t.call('POST', '/api/v1/tickets/00000000-0000-4000-8000-000000000000/dispatch', { technicianId: techs.lena });
  dispatchInstalled = !(routes.status === 404 && /^No route/.test((routes.body as { detail?: string }).detail ?? ''));

  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, timezoneId: 'UTC', locale: 'en-GB' });
  page = await context.newPage();
}, 60_000);

afterAll(async () => {
  await fleet?.stop();
  await browser?.close();
  await t?.stop();
});

const openIotTicket = async (): Promise<Ticket | undefined> =>
  (await ok<{ items: Ticket[] }>('GET', `/api/v1/tickets?assetId=${assetId}&channel=iot&open=true`, undefined, 200)).items[0];

describe('dispatcher console', () => {
  test('a fault injected by the simulator appears live, is diagnosed and assigned in one click', async () => {
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    let loads = 0;
    page.on('load', () => loads++);

    // Sign in.
    const res = await page.goto(`${t.api}/console`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-security-policy']).toContain("default-src 'self'");
    // A technician account is refused (the stream and dispatch are for dispatchers and admins).
    await page.fill('#email', 'lena@nordkuehl.test');
    await page.fill('#password', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForSelector('.form-error:not([hidden]):has-text("technician account cannot use the dispatch console")', { timeout: 10_000 });
    expect(await page.evaluate('sessionStorage.getItem("telemend.console.token")')).toBeNull();
    await page.fill('#email', 'dispatch@nordkuehl.test');
    await page.fill('#password', 'wrong-password-xx');
    await page.click('button[type=submit]');
    await page.waitForSelector('.form-error:not([hidden]):has-text("Wrong e-mail or password")', { timeout: 10_000 });
    await page.fill('#password', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForSelector('#conn.conn-live', { timeout: 10_000 });
    expect(await page.evaluate('sessionStorage.getItem("telemend.console.token")')).toBeTruthy();
    await page.waitForSelector('.feed-item');
    expect(await page.locator('.feed-item').count()).toBe(3);
    const loadsBefore = loads;

    // The fleet simulator replays two hours of the chiller's telemetry in ~2 s over MQTT, with a
    // compressor failure (controller event C1-FAIL) 100 simulated minutes in.
    fleet = runFleet({
      devices: [{ deviceId: device.deviceId, token: device.token, modelId: MODEL }],
      models: new Map([[MODEL, model]]),
      mqttUrl: `mqtt://127.0.0.1:${t.mqttPort}`,
      startTime: Date.now() - 2 * 3_600_000,
      speed: 3600,
      rate: 60,
      qos: 1,
      faults: [{ deviceIndex: 0, faultCode: FAULT, offsetMs: 100 * 60_000 }],
      answerCommands: true,
    });

    // The auto-ticket arrives over the stream: in the feed, unread, with no page load.
    const item = page.locator('.feed-item:has(.chip-iot)');
    await item.first().waitFor({ timeout: 20_000 });
    const ticket = (await openIotTicket())!;
    expect(ticket).toMatchObject({ channel: 'iot', faultCode: FAULT, status: 'new', technicianId: null });
    expect(await item.count()).toBe(1);
    expect(await item.getAttribute('data-id')).toBe(ticket.id);
    expect(await item.getAttribute('class')).toContain('unread');
    expect(await page.locator('.feed-item').count()).toBe(4);
    // Proof it came over the stream (the list is re-read only after a reconnection): the live toast.
    expect(await page.locator(`.toast:has-text("New auto-ticket ${ticket.number}")`).count()).toBe(1);
    expect(loads).toBe(loadsBefore);

    // Open it: diagnosis, evidence chart with the model's limit, parts, knowledge, technicians.
    await item.click();
    const fault = model.faults.find((f) => f.code === FAULT)!;
    await page.waitForSelector('.diag-fault');
    expect(await page.textContent('.diag-fault')).toBe(fault.title);
    expect(await page.textContent('.ph-number')).toBe(ticket.number);
    await page.waitForSelector('.chart path.line', { timeout: 15_000 });
    expect(await page.locator('.chart .limit').count()).toBe(1);
    expect(await page.textContent('.chart .limit-label')).toContain('11');
    expect(await page.locator('table.table tbody tr').count()).toBe(fault.parts.length);
    expect(await page.textContent('.card:has(h3:text("Knowledge & history"))')).toContain('burnt-out scroll compressor');
    // The article opens in place.
    await page.click('.card:has(h3:text("Knowledge & history")) button.link:text("burnt-out scroll compressor")');
    await page.waitForSelector('#details-body:has-text("Megger the windings")');
    await page.keyboard.press('Escape');
    await page.waitForSelector('#details[open]', { state: 'detached', timeout: 5_000 }).catch(() => undefined);
    await page.waitForSelector('.tech');
    const names = await page.locator('.tech .tech-name').allTextContents();
    expect(names[0]).toContain('Lena Vogt');
    expect(names.join()).not.toContain('Mia Schulz');
    expect(await page.locator('.tech').first().locator('.tech-reasons li, .muted').count()).toBeGreaterThan(0);

    // Parts: reserve them at the nearest stock in one click.
    // (Unless something reserved them already, e.g. at ticket creation.)
    const reserve = page.locator('button:text("Reserve parts")');
    if ((await reserve.count()) > 0) await reserve.click();
    await page.waitForSelector('table.table .pill-ok');
    const reserved = await ok<{ items: { sku: string; status: string; locationCode: string }[] }>(
      'GET',
      `/api/v1/tickets/${ticket.id}/reservations`,
      undefined,
      200,
    );
    expect(new Set(reserved.items.map((r) => r.sku))).toEqual(new Set(fault.parts.map((p) => p.sku)));
    expect(reserved.items.every((r) => r.status === 'active')).toBe(true);

    // One click assigns the top-ranked technician.
    await page.locator('.tech').first().locator('button.btn-assign').click();
    await page.waitForSelector('.tech.is-assigned');
    await waitFor(async () => (await openIotTicket())?.technicianId === techs.lena, 'the ticket to be assigned to Lena', 10_000);
    const visits = await ok<{ items: { technicianId: string; status: string; plannedStart: string }[] }>(
      'GET',
      `/api/v1/tickets/${ticket.id}/visits`,
      undefined,
      200,
    );
    if (dispatchInstalled) expect(visits.items).toEqual([expect.objectContaining({ technicianId: techs.lena, status: 'planned' })]);
    else expect(visits.items).toEqual([]);

    // The day board shows it in Lena's lane on its day; the feed shows her on the ticket. The
    // compressor job takes 10 h and a visit does not run past midnight: from 14:00 UTC on, it is
    // planned for tomorrow, one click on "Next day" away.
    const days = dispatchInstalled
      ? Math.round((Date.parse(visits.items[0]!.plannedStart.slice(0, 10)) - Date.parse(new Date().toISOString().slice(0, 10))) / 86_400_000)
      : 0;
    expect(days === 0 || days === 1, `visit planned ${days} days ahead`).toBe(true);
    for (let d = 0; d < days; d++) await page.click('button[aria-label="Next day"]');
    const onBoard = page.locator(`#board .lane[data-technician-id="${techs.lena}"] .visit[data-ticket-id="${ticket.id}"]`);
    await onBoard.waitFor({ timeout: 10_000 });
    expect(await onBoard.textContent()).toContain(ticket.number);
    expect(await page.textContent(`.feed-item[data-id="${ticket.id}"] .fi-tech`)).toContain('Lena Vogt');
    expect(loads).toBe(loadsBefore);

    // A command to the chiller from the panel: the device (the simulator) answers, the state arrives live.
    const commands = page.locator('.card:has(h3:text("Equipment commands"))');
    await commands.locator('select[name="cmd-name"]').selectOption('reset_trip');
    await commands.locator('select[name="cmd-code"]').selectOption('LP-TRIP');
    await commands.locator('button:text("Send to device")').click();
    await commands.locator('.cmd[data-state="succeeded"]:has-text("Reset a trip")').waitFor({ timeout: 15_000 });
    expect(await commands.locator('.cmd').first().textContent()).toContain('this ticket');
    const sent = await ok<{ items: { command: string; state: string; parameters: Record<string, unknown> }[] }>(
      'GET',
      `/api/v1/tickets/${ticket.id}/commands`,
      undefined,
      200,
    );
    expect(sent.items).toEqual([expect.objectContaining({ command: 'reset_trip', state: 'succeeded', parameters: { code: 'LP-TRIP' } })]);
    expect(pageErrors).toEqual([]);

    await page.mouse.move(0, 0);
    // The screenshot shows the panel from its top (sending the command scrolled it).
    await page.evaluate('document.querySelectorAll("*").forEach((e) => e.scrollTop && (e.scrollTop = 0))');
    await mkdir(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
  }, 60_000);

  test('on a phone-width screen the console reflows: nothing is wider than the screen, wide parts scroll in their box, the top bar is one row', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await page.waitForSelector('.tech .tech-name');
      // Evaluated in the page (a string: the test's tsconfig has no DOM types).
      const overflow = await page.evaluate(`(() => {
        const right = innerWidth + 1;
        // Elements sticking out to the right of the screen, unless a scrolling or clipping box
        // inside the screen holds them (the day board's timeline, wide tables) — also through
        // boxes that clip but scroll with it (a visit block inside the timeline).
        const clipped = (el) => {
          for (let box = el.parentElement; box; box = box.parentElement) {
            if (['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(box).overflowX) && box.getBoundingClientRect().right <= right) return true;
          }
          return false;
        };
        const wide = [...document.querySelectorAll('#app *')]
          .filter((el) => el.getClientRects().length > 0 && el.getBoundingClientRect().right > right && !clipped(el))
          .map((el) => el.tagName.toLowerCase() + '.' + [...el.classList].join('.'))
          .slice(0, 5);
        return { page: document.documentElement.scrollWidth - innerWidth, wide };
      })()`);
      expect(overflow).toEqual({ page: 0, wide: [] });
      // The top bar keeps brand, alerts, connection and sign-out on one row above the search box.
      const row = (selector: string) => page.locator(selector).evaluate((el) => Math.round(el.getBoundingClientRect().top));
      const top = await row('.brand');
      for (const selector of ['#alerts button.mute', '#conn', '#signout']) expect(await row(selector), selector).toBeLessThan(top + 16);
      await page.screenshot({ path: PHONE_SCREENSHOT, fullPage: false });
    } finally {
      await page.setViewportSize({ width: 1440, height: 900 });
    }
  });

  test('/app, /desk and /portal sign in their own roles only', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const phone = await context.newPage();
    try {
      for (const [ui, refused] of [
        ['app', 'dispatcher'],
        ['desk', 'technician'],
        ['portal', 'dispatcher'],
      ] as const) {
        const res = await phone.goto(`${t.api}/${ui}`);
        expect(res?.status(), ui).toBe(200);
        await phone.fill('#email', refused === 'dispatcher' ? 'dispatch@nordkuehl.test' : 'lena@nordkuehl.test');
        await phone.fill('#password', PASSWORD);
        await phone.click('button[type=submit]');
        // The portal's refusal does not name the role ("This account cannot use the customer portal").
        const refusal = ui === 'portal' ? 'cannot use the customer portal' : `${refused} account cannot use`;
        await phone.waitForSelector(`:is(.form-error, [role=alert]):not([hidden]):has-text("${refusal}")`, { timeout: 10_000 });
        expect(await phone.evaluate(`sessionStorage.getItem("telemend.${ui}.token")`)).toBeNull();
      }
      // The technician app admits Lena and shows her day (test/app covers the app itself).
      await phone.goto(`${t.api}/app`);
      await phone.fill('#email', 'lena@nordkuehl.test');
      await phone.fill('#password', PASSWORD);
      await phone.click('button[type=submit]');
      await phone.waitForSelector('#today-title', { timeout: 10_000 });
    } finally {
      await context.close();
    }
  });

  test('static files are public, other paths under /console are not served, the API still needs a token', async () => {
    for (const file of ['/console/', '/console/console.css', '/console/js/main.js', '/console/favicon.svg']) {
      const res = await fetch(`${t.api}${file}`);
      expect(res.status, file).toBe(200);
    }
    // The chunks the interfaces share (Web Awesome, the API client), named by content hash.
    const html = await (await fetch(`${t.api}/console/`)).text();
    const shared = [...html.matchAll(/"(\/static\/[^"]+)"/g)].map((m) => m[1]!);
    expect(shared.length).toBeGreaterThan(0);
    for (const file of shared) expect((await fetch(`${t.api}${file}`)).status, file).toBe(200);
    expect((await fetch(`${t.api}/static/nope.js`)).status).toBe(404);
    expect((await fetch(`${t.api}/static/..%2fconsole%2findex.html`)).status).toBe(404);
    expect((await fetch(`${t.api}/console/js/main.js`)).headers.get('content-type')).toContain('javascript');
    expect((await fetch(`${t.api}/console/../package.json`)).status).toBe(404);
    expect((await fetch(`${t.api}/console/%2e%2e/%2e%2e/package.json`)).status).toBe(404);
    expect((await fetch(`${t.api}/console/nope.js`)).status).toBe(404);
    expect((await fetch(`${t.api}/api/v1/stream/tickets`)).status).toBe(401);
  });
});
