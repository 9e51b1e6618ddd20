/**
 * The dispatcher plans on the board by drag and drop, in headless Chromium against the real
 * platform: technicians with 07:00–17:00 shifts (as the seed has them), a compressor failure on
 * a water chiller (10 h of labour by the model's fault catalogue). Dragged from the unscheduled
 * queue onto Lena at 08:00, the board shows the server's plan before the drop (two visits over
 * two days), and the drop books it; a visit dragged outside the working hours is flagged before
 * the drop and refused with the server's reason after it; ← moves a focused visit. The SLA watch
 * runs every second with a lead of a week, so a new ticket is announced at risk live.
 */
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../harness/platform.js';
import { waitFor } from '../harness/servers.js';
import { expectAccessible, ok, openBrowser, PASSWORD, screenshotPath, signIn } from './console-helpers.js';

const HOUR = 3_600_000;
const SHIFT = [['07:00', '17:00']];
const WEEK = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, SHIFT]));

interface Visit {
  id: string;
  technicianId: string;
  status: string;
  plannedStart: string;
  plannedEnd: string;
}

let t: TestPlatform;
let browser: Browser;
let page: Page;
let context: BrowserContext;
const ids = { lena: '', jonas: '', customer: '', asset: '', job: '', jobNumber: '' };
// The first day of the job: tomorrow, or the day after when tomorrow is a Sunday (both days in one week view).
const day1 = new Date(Date.now() + (new Date(Date.now() + 24 * HOUR).getUTCDay() === 0 ? 2 : 1) * 24 * HOUR).toISOString().slice(0, 10);
const at = (date: string, hhmm: string): number => Date.parse(`${date}T${hhmm}:00.000Z`);
const nextDay = (date: string): string => new Date(Date.parse(`${date}T12:00:00Z`) + 24 * HOUR).toISOString().slice(0, 10);

async function technician(name: string, email: string, lat: number, lon: number): Promise<string> {
  const user = await ok<{ id: string }>(t, 'POST', '/api/v1/users', { email, name, role: 'technician', password: PASSWORD, skills: ['refrigeration'] });
  await ok(
    t,
    'PUT',
    `/api/v1/technicians/${user.id}`,
    { skills: [{ name: 'refrigeration', level: 4 }], homeBase: { lat, lon, label: name }, timezone: 'UTC', workingHours: WEEK },
    200,
  );
  return user.id;
}

beforeAll(async () => {
  t = await startTestPlatform({ HTTP_RATE_LIMIT_MAX: '100000', SLA_AT_RISK_LEAD_MINUTES: '10080', SLA_WATCH_INTERVAL_MS: '1000' });
  await ok(t, 'POST', '/api/v1/users', { email: 'dispatch@board.test', name: 'Sam Weber', role: 'dispatcher', password: PASSWORD });
  ids.lena = await technician('Lena Vogt', 'lena@board.test', 53.56, 10.0);
  ids.jonas = await technician('Jonas Berg', 'jonas@board.test', 53.08, 8.8);
  const customer = await ok(t, 'POST', '/api/v1/customers', { name: 'Nordkühl Logistik GmbH' });
  ids.customer = customer.id;
  const site = await ok(t, 'POST', '/api/v1/sites', {
    customerId: customer.id,
    name: 'Cold store DC-2',
    city: 'Hamburg',
    country: 'DE',
    latitude: 53.55,
    longitude: 10.0,
  });
  const asset = await ok(t, 'POST', '/api/v1/assets', { siteId: site.id, modelId: 'water-chiller-wc200', serialNumber: 'WC200-HH-0417' });
  ids.asset = asset.id;
  const job = await ok(t, 'POST', '/api/v1/tickets', {
    channel: 'phone',
    type: 'breakdown',
    priority: 'high',
    title: 'Compressor failed',
    customerId: customer.id,
    assetId: asset.id,
    faultCode: 'COMPRESSOR_FAILURE',
  });
  ids.job = job.id;
  ids.jobNumber = job.number;
  ({ browser, context, page } = await openBrowser());
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

const visitsOf = async (ticketId: string): Promise<Visit[]> =>
  (await ok<{ items: Visit[] }>(t, 'GET', `/api/v1/tickets/${ticketId}/visits`, undefined, 200)).items
    .filter((v) => v.status === 'planned')
    .sort((a, b) => a.plannedStart.localeCompare(b.plannedStart));
const track = (technicianId: string): Locator => page.locator(`#board .lane[data-technician-id="${technicianId}"] .lane-track`).first();

/** Presses on `source` (`grabX` px from its left edge) and moves to `time` on the track, without letting go. */
async function dragOver(source: Locator, target: Locator, time: number, grabX = 12): Promise<void> {
  const from = (await source.boundingBox())!;
  const box = (await target.boundingBox())!;
  const start = Number(await target.getAttribute('data-start'));
  const end = Number(await target.getAttribute('data-end'));
  await page.mouse.move(from.x + grabX, from.y + from.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + ((time - start) / (end - start)) * box.width + grabX, box.y + box.height / 2, { steps: 10 });
}

async function showDay(date: string): Promise<void> {
  await page.click('#views wa-button[data-view="day"]');
  for (let i = 0; i < 3; i++) {
    const shown = (await page.getAttribute('.board-date', 'title'))!;
    if (shown === date) break;
    await page.click('button[aria-label="Next day"]');
    await page.waitForSelector(`.board-date[title="${nextDay(shown)}"]`);
  }
  expect(await page.getAttribute('.board-date', 'title')).toBe(date);
  await track(ids.lena).waitFor();
}

describe('planning on the board', () => {
  test('a 10 h job dragged from the queue onto Lena at 08:00 is planned over two days; the week board shows both visits', async () => {
    await signIn(page, t.api, 'dispatch@board.test');
    const queued = page.locator(`.queue-item[data-id="${ids.job}"]`);
    await queued.waitFor();
    await showDay(day1);

    await dragOver(queued, track(ids.lena), at(day1, '08:00'), 4);
    // Before the drop: the server's plan for a start at 08:00 — two visits, the second the next day.
    await page.waitForSelector('#drop-status.drop-ok:has-text(" + ")', { timeout: 10_000 });
    expect(await page.textContent('#drop-status')).toContain('Lena Vogt');
    await page.mouse.up();
    await page.waitForSelector('#drop-status:has-text("planned")', { timeout: 10_000 });

    // 08:00 plus the few minutes' drive from Lena's home to the end of her shift, the rest the next morning.
    const visits = await visitsOf(ids.job);
    expect(visits.map((v) => [v.technicianId, v.plannedStart.slice(0, 10), v.plannedEnd])).toEqual([
      [ids.lena, day1, `${day1}T17:00:00.000Z`],
      [ids.lena, nextDay(day1), expect.stringMatching(new RegExp(`^${nextDay(day1)}T08:`))],
    ]);
    expect(Date.parse(visits[0]!.plannedStart) - at(day1, '08:00')).toBeLessThanOrEqual(15 * 60_000);
    expect(visits.reduce((sum, v) => sum + Date.parse(v.plannedEnd) - Date.parse(v.plannedStart), 0)).toBe(10 * HOUR);
    expect((await ok<{ status: string; technicianId: string }>(t, 'GET', `/api/v1/tickets/${ids.job}`, undefined, 200)).status).toBe('scheduled');
    await page.waitForSelector(`#board .lane[data-technician-id="${ids.lena}"] .visit[data-visit-id="${visits[0]!.id}"]`);
    await page.waitForSelector(`.queue-item[data-id="${ids.job}"]`, { state: 'detached' });
    // A click on the visit opens its ticket in the panel above the board.
    await page.click(`#board .visit[data-visit-id="${visits[0]!.id}"]`);
    await page.waitForSelector(`.ph-number:text("${ids.jobNumber}")`);
    await page.waitForSelector('.tech');
    await page.mouse.move(0, 0);
    await page.screenshot({ path: screenshotPath('console-day-board') });
    await expectAccessible(page, 'day board');

    await page.click('#views wa-button[data-view="week"]');
    await page.waitForSelector('.timeline.week');
    expect(await page.locator(`.week .lane[data-technician-id="${ids.lena}"] .visit[data-ticket-id="${ids.job}"]`).count()).toBe(2);
    await page.screenshot({ path: screenshotPath('console-week-board') });
    await expectAccessible(page, 'week board');
  }, 40_000);

  test('a visit dragged past the working hours is flagged before the drop and refused after it; a drop inside moves it; ← moves it by keyboard; its edge resizes it', async () => {
    const [, second] = await visitsOf(ids.job);
    const day2 = nextDay(day1);
    await showDay(day2);
    const block = page.locator(`.visit[data-visit-id="${second!.id}"]`);

    // 16:30–17:30 runs past Lena's shift: flagged while dragging, refused by the server on drop.
    await dragOver(block, track(ids.lena), at(day2, '16:30'), 2);
    await page.waitForSelector('#drop-status.drop-bad', { timeout: 10_000 });
    expect(await page.textContent('#drop-status')).toMatch(/working hours/i);
    await page.mouse.up();
    await page.waitForSelector('#drop-status.drop-refused', { timeout: 10_000 });
    expect(await page.textContent('#drop-status')).toMatch(/Refused: .*working hours/i);
    expect((await visitsOf(ids.job))[1]!.plannedStart).toBe(second!.plannedStart);
    const length = Date.parse(second!.plannedEnd) - Date.parse(second!.plannedStart);

    // Onto Jonas at 10:00: moved and handed over.
    await dragOver(page.locator(`.visit[data-visit-id="${second!.id}"]`), track(ids.jonas), at(day2, '10:00'), 2);
    await page.waitForSelector('#drop-status.drop-ok', { timeout: 10_000 });
    await page.mouse.up();
    await waitFor(async () => (await visitsOf(ids.job))[1]?.plannedStart === `${day2}T10:00:00.000Z`, 'the visit to move to 10:00', 10_000);
    expect((await visitsOf(ids.job))[1]).toMatchObject({ technicianId: ids.jonas, plannedEnd: new Date(at(day2, '10:00') + length).toISOString() });

    // Keyboard: ← moves the focused visit 15 minutes earlier.
    await page.focus(`#board .lane[data-technician-id="${ids.jonas}"] .visit[data-visit-id="${second!.id}"]`);
    await page.keyboard.press('ArrowLeft');
    await waitFor(async () => (await visitsOf(ids.job))[1]?.plannedStart === `${day2}T09:45:00.000Z`, 'the visit to move to 09:45', 10_000);

    // Resized by dragging its right edge: about an hour longer (the board snaps to 15 minutes), same start.
    const QUARTER = 15 * 60_000;
    const longer = new Date(Math.ceil((at(day2, '09:45') + length + HOUR) / QUARTER) * QUARTER).toISOString();
    const handle = page.locator(`#board .lane[data-technician-id="${ids.jonas}"] .visit[data-visit-id="${second!.id}"] .visit-resize`);
    await page.waitForSelector(`#board .visit[data-visit-id="${second!.id}"] .visit-time:has-text("09:45")`, { timeout: 10_000 });
    await handle.waitFor({ state: 'visible' });
    await dragOver(handle, track(ids.jonas), Date.parse(longer), 1);
    await page.waitForSelector('#drop-status.drop-ok', { timeout: 10_000 });
    await page.mouse.up();
    await waitFor(async () => (await visitsOf(ids.job))[1]?.plannedEnd === longer, 'the visit to end an hour later', 10_000);
    expect((await visitsOf(ids.job))[1]!.plannedStart).toBe(`${day2}T09:45:00.000Z`);
    // Shift+← shortens it by 15 minutes from the keyboard.
    await page.focus(`#board .lane[data-technician-id="${ids.jonas}"] .visit[data-visit-id="${second!.id}"]`);
    await page.keyboard.press('Shift+ArrowLeft');
    const shorter = new Date(Date.parse(longer) - 15 * 60_000).toISOString();
    await waitFor(async () => (await visitsOf(ids.job))[1]?.plannedEnd === shorter, 'the visit to end 15 minutes earlier', 10_000);
  }, 60_000);

  test('a new critical ticket raises an alert — a tone and a browser notification — and its SLA-at-risk event arrives live; muted, only the notification', async () => {
    // Record the tones (oscillators started) and the notifications the page raises, then reload
    // (the session survives: it is in sessionStorage).
    await context.grantPermissions(['notifications'], { origin: t.api });
    await page.addInitScript(`
      window.__alerts = { notifications: [], tones: 0 };
      const Native = window.Notification;
      window.Notification = class extends Native {
        constructor(title, options) {
          window.__alerts.notifications.push(title);
          super(title, options);
        }
      };
      const createOscillator = AudioContext.prototype.createOscillator;
      AudioContext.prototype.createOscillator = function () {
        window.__alerts.tones++;
        return createOscillator.call(this);
      };
    `);
    await page.reload();
    await page.waitForSelector('#conn.conn-live', { timeout: 15_000 });
    const alerts = async (): Promise<{ notifications: string[]; tones: number }> => page.evaluate('window.__alerts');
    const mute = page.locator('#alerts button.mute');
    expect(await mute.getAttribute('aria-pressed')).toBe('false');
    // Permission granted: no "Enable notifications" button.
    expect(await page.locator('#alerts button:text("Enable notifications")').count()).toBe(0);

    const res = await ok(t, 'POST', '/api/v1/tickets', {
      channel: 'phone',
      type: 'breakdown',
      priority: 'critical',
      title: 'Freezer room at +4 °C',
      customerId: ids.customer,
      assetId: ids.asset,
    });
    await page.waitForSelector(`#alert-log li[data-kind="critical"][data-tag="${res.id}"]`, { state: 'attached', timeout: 10_000 });
    await page.waitForSelector(`.feed-item.risk-at_risk[data-id="${res.id}"] .chip-at_risk`, { timeout: 10_000 });
    // One per due time within the lead: the response, and the resolution.
    expect(await page.locator(`#alert-log li[data-kind="at_risk"]`).filter({ hasText: res.number }).count()).toBeGreaterThan(0);
    // The feed ordered by time to breach puts it first: its response is due soonest.
    await page.click('wa-button[data-sort="sla"]');
    await waitFor(async () => (await page.getAttribute('.feed-item >> nth=0', 'data-id')) === res.id, 'the critical ticket first by time to breach', 10_000);
    expect(await alerts()).toEqual({ notifications: [`Critical ticket ${res.number}`], tones: 2 });

    // Muted (remembered across reloads): the next critical ticket notifies without a sound.
    await mute.click();
    expect(await mute.getAttribute('aria-pressed')).toBe('true');
    expect(await mute.locator('.btn-label').textContent()).toBe('Sound off');
    expect(await page.evaluate('localStorage.getItem("telemend.console.muted")')).toBe('1');
    const quiet = await ok(t, 'POST', '/api/v1/tickets', {
      channel: 'phone',
      type: 'breakdown',
      priority: 'critical',
      title: 'Second freezer alarm',
      customerId: ids.customer,
    });
    await page.waitForSelector(`#alert-log li[data-kind="critical"][data-tag="${quiet.id}"]`, { state: 'attached', timeout: 10_000 });
    expect(await alerts()).toEqual({ notifications: [`Critical ticket ${res.number}`, `Critical ticket ${quiet.number}`], tones: 2 });
    await mute.click();
    expect(await mute.getAttribute('aria-pressed')).toBe('false');
  }, 40_000);
});
