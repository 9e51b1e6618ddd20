/**
 * The front desk end to end, in headless Chromium against the real platform: an agent takes a
 * call — finds the customer by the caller's phone number, opens the customer 360, creates a
 * ticket — and the ticket appears live (SSE) in the dispatcher console open in a second page; the
 * call is logged with it. No screen the agent sees shows an amount of money (the page text is
 * scanned, and the same scan finds the amounts an admin sees); the back office is refused to the
 * agent and shows an admin a report chart. axe-core on each view; the intake and 360 at 390 px.
 * Saves docs/desk-intake.png and docs/desk-360.png with UPDATE_SCREENSHOT=1.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../harness/platform.js';
import { waitFor } from '../harness/servers.js';
import { expectAccessible, ok, openBrowser, PASSWORD, screenshotPath, signIn as signInConsole } from '../console/console-helpers.js';

const MODEL = 'water-chiller-wc200';
/** A currency symbol or code, or an amount written with two decimals next to one. */
const MONEY = /[€$£¥]|\b(?:EUR|USD|GBP|CHF)\b/;
const TICKET_TITLE = 'Cold store alarm: compressor cycling';

let t: TestPlatform;
let browser: Browser;
let context: BrowserContext;
let agent: Page;
const ids = { customer: '', contact: '', site: '', asset: '', contract: '' };

async function signInDesk(page: Page, email: string): Promise<void> {
  await page.goto(`${t.api}/desk`);
  await page.fill('#email', email);
  await page.fill('#password', PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForSelector('#app:not([hidden]) #nav .nav-link', { state: 'attached', timeout: 15_000 });
}

const go = (page: Page, hash: string): Promise<unknown> => page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
/** Until the toasts' fade-in has run (axe measures contrast on what is painted, half-transparent text included). */
const settled = (page: Page): Promise<unknown> =>
  page.waitForFunction(`document.getAnimations().every((a) => a.playState !== 'running' || !a.effect?.target?.closest?.('.toast'))`);
/** The visible text of the page (dialogs included), for the money scan. */
const pageText = (page: Page): Promise<string> => page.evaluate('document.body.innerText');

async function expectNoMoney(page: Page, view: string): Promise<void> {
  const text = await pageText(page);
  expect(MONEY.exec(text)?.[0], `${view}: ${text.slice(0, 200)}`).toBeUndefined();
}

beforeAll(async () => {
  t = await startTestPlatform({ HTTP_RATE_LIMIT_MAX: '100000' });
  for (const [email, name, role] of [
    ['frank@desk.test', 'Frank Frontdesk', 'agent'],
    ['sam@desk.test', 'Sam Weber', 'dispatcher'],
    ['ada@desk.test', 'Ada Admin', 'admin'],
  ] as const)
    await ok(t, 'POST', '/api/v1/users', { email, name, role, password: PASSWORD });
  const customer = await ok(t, 'POST', '/api/v1/customers', {
    name: 'Nordkühl Logistik GmbH',
    code: 'K-10417',
    phone: '+49 40 555 0100',
    email: 'service@nordkuehl.test',
  });
  ids.customer = customer.id;
  ids.contact = (
    await ok(t, 'POST', '/api/v1/contacts', {
      customerId: customer.id,
      name: 'Jana Peters',
      jobTitle: 'Facility manager',
      phones: [{ number: '+49 40 555 0199', label: 'mobile' }],
      emails: [{ address: 'jana.peters@nordkuehl.test' }],
      isPrimary: true,
    })
  ).id;
  ids.site = (
    await ok(t, 'POST', '/api/v1/sites', { customerId: customer.id, name: 'Cold store DC-2', address: 'Am Hafen 4', city: 'Hamburg', country: 'DE' })
  ).id;
  ids.asset = (await ok(t, 'POST', '/api/v1/assets', { siteId: ids.site, modelId: MODEL, serialNumber: 'WC200-HH-0417', name: 'Chiller 1' })).id;
  const sla = { responseMinutes: 120, resolutionMinutes: 480 };
  ids.contract = (
    await ok(t, 'POST', '/api/v1/contracts', {
      customerId: customer.id,
      number: 'SC-2026-017',
      name: 'Full service cold chain',
      status: 'active',
      startsOn: '2026-01-01',
      assetIds: [ids.asset],
      coverage: { labourPercent: 100, partsPercent: 50, travelIncluded: true },
      sla: { low: sla, medium: sla, high: sla, critical: sla },
      prepaidMinutes: 1200,
      value: 18500,
      currency: 'EUR',
    })
  ).id;
  await ok(t, 'PUT', '/api/v1/labour-rates/*', { hourlyRate: 95, overtimeMultiplier: 1.5 }, 200);
  await ok(t, 'POST', '/api/v1/tickets', { channel: 'email', type: 'inspection', priority: 'low', title: 'Annual F-gas leak check', assetId: ids.asset });
  await ok(t, 'POST', '/api/v1/activities', {
    kind: 'call',
    direction: 'inbound',
    subject: 'Asked for the F-gas certificate',
    contactId: ids.contact,
    occurredAt: new Date(Date.now() - 3 * 86_400_000).toISOString(),
  });
  // An offer with a value: the agent sees the offer, never its value.
  await ok(t, 'POST', '/api/v1/opportunities', {
    customerId: customer.id,
    assetId: ids.asset,
    kind: 'replacement_offer',
    title: 'Replace Chiller 1 (R404A phase-out)',
    value: 42000,
    currency: 'EUR',
  });
  const other = await ok(t, 'POST', '/api/v1/customers', { name: 'Nordsee Fisch AG', phone: '+49 471 900 200' });
  await ok(t, 'POST', '/api/v1/sites', { customerId: other.id, name: 'Nordenham processing hall', city: 'Nordenham', country: 'DE' });
  ({ browser, context, page: agent } = await openBrowser());
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

describe('front desk', () => {
  test('an agent finds the caller by phone, opens the 360 and creates a ticket that reaches the dispatcher live; no money on their screens', async () => {
    const errors: string[] = [];
    agent.on('pageerror', (error) => errors.push(error.message));
    const dispatcher = await context.browser()!.newContext({ viewport: { width: 1440, height: 900 }, timezoneId: 'UTC', locale: 'en-GB' });
    const dispatch = await dispatcher.newPage();
    await signInConsole(dispatch, t.api, 'sam@desk.test');
    await dispatch.waitForSelector('.feed-item');

    await signInDesk(agent, 'frank@desk.test');
    // Results grouped by type.
    await agent.fill('#intake-search', 'Nord');
    await agent.locator('#intake-results .result-group').nth(1).waitFor({ timeout: 10_000 });
    expect(await agent.locator('#intake-results [role=group][aria-label=Customers] [role=option]').allTextContents()).toEqual([
      expect.stringContaining('Nordkühl Logistik GmbH'),
      expect.stringContaining('Nordsee Fisch AG'),
    ]);
    await expectAccessible(agent, 'intake with results');
    await agent.screenshot({ path: screenshotPath('desk-intake') });
    // The caller's number as they say it, not as it is stored: one hit, the contact, matched on the phone.
    await agent.fill('#intake-search', '040 5550199');
    await agent.waitForFunction(`(() => {
      const options = [...document.querySelectorAll('#intake-results [role=option]')];
      return options.length === 1 && options[0].textContent.includes('Jana Peters');
    })()`);
    expect(await agent.textContent('#intake-results .result-matched')).toBe('phone');
    await agent.keyboard.press('Enter');

    // The 360: open ticket, equipment, contract and SLA — but no prepaid balance and no value.
    await agent.waitForSelector('h1.page-title:has-text("Nordkühl Logistik GmbH")');
    await agent.waitForSelector('.contract:has-text("SC-2026-017")');
    const c360 = await pageText(agent);
    expect(c360).toContain('Annual F-gas leak check');
    expect(c360).toContain('Chiller 1');
    expect(c360).not.toContain('Prepaid');
    await expectNoMoney(agent, 'customer 360');
    await expectAccessible(agent, 'customer 360');
    await agent.screenshot({ path: screenshotPath('desk-360'), fullPage: true });

    // New ticket, prefilled with the caller (from the hit) and the only site and asset; the SLA shows.
    const started = Date.now();
    await agent.click('#new-ticket');
    await agent.waitForSelector('wa-dialog[open] form');
    expect(await agent.inputValue('select[name=contactId]')).toBe(ids.contact);
    expect(await agent.inputValue('select[name=assetId]')).toBe(ids.asset);
    await agent.selectOption('select[name=priority]', 'high');
    expect(await agent.textContent('.sla-box')).toContain('SC-2026-017');
    expect(await agent.textContent('.sla-box')).toMatch(/response within 2 h, resolution within 8 h/);
    await agent.fill('input[name=title]', TICKET_TITLE);
    await agent.fill('textarea[name=description]', 'Compressor starts and stops every few minutes since this morning.');
    await expectAccessible(agent, 'new ticket form');
    await agent.click('wa-dialog[open] button[type=submit]');
    await agent.waitForURL(/#\/ticket\/[0-9a-f-]{36}$/, { timeout: 10_000 });
    const ticketId = agent.url().split('/').pop()!;
    await agent.waitForSelector(`h1.page-title:has-text("${TICKET_TITLE}")`);
    expect(Date.now() - started).toBeLessThan(60_000);

    // The dispatcher's console shows it without a reload.
    await dispatch.locator('.feed-item', { hasText: TICKET_TITLE }).waitFor({ timeout: 10_000 });

    // The ticket is a phone ticket under the contract with its SLA, and the call is logged with it.
    const ticket = await ok<{ channel: string; contractId: string; priority: string; customerId: string }>(
      t,
      'GET',
      `/api/v1/tickets/${ticketId}`,
      undefined,
      200,
    );
    expect(ticket).toMatchObject({ channel: 'phone', contractId: ids.contract, priority: 'high', customerId: ids.customer });
    const calls = await ok<{ items: { kind: string; contactId: string | null }[] }>(
      t,
      'GET',
      `/api/v1/activities?ticketId=${ticketId}&kind=call`,
      undefined,
      200,
    );
    expect(calls.items.length).toBeGreaterThanOrEqual(1);
    expect(calls.items[0]).toMatchObject({ kind: 'call', contactId: ids.contact });
    await agent.waitForSelector('.card:has-text("Calls and notes") li');

    // A quote for the repair: created, sent, and accepted by Jana on the phone — its prices stay hidden.
    await agent.click('.card:has(h2:text-is("Quotes")) button:has-text("New quote")');
    await agent.fill('wa-dialog[open] input[name=hours]', '3');
    await agent.click('wa-dialog[open] button[type=submit]');
    await agent.click('.quote button:has-text("Send to customer")');
    await agent.click('.quote button:has-text("Record answer")');
    expect(await agent.inputValue('wa-dialog[open] select[name=onBehalfOf]')).toBe('Jana Peters');
    await agent.click('wa-dialog[open] button[type=submit]');
    await agent.waitForSelector('.quote .decision:has-text("Accepted by Jana Peters")');
    const quotes = await ok<{ items: { status: string; subtotal: number; decision: { channel: string; onBehalfOf: string; by: { name: string } } }[] }>(
      t,
      'GET',
      `/api/v1/quotes?ticketId=${ticketId}`,
      undefined,
      200,
    );
    expect(quotes.items[0]).toMatchObject({ status: 'accepted', decision: { channel: 'phone', onBehalfOf: 'Jana Peters', by: { name: 'Frank Frontdesk' } } });
    // Priced (labour at the rate), though the contract covers it: the agent saw neither.
    expect(quotes.items[0]!.subtotal).toBeGreaterThan(0);
    await expectNoMoney(agent, 'ticket with its quote');

    // A follow-up from the ticket, then done from "My tasks".
    await agent.click('.card:has(h2:text-is("Follow-ups")) button:has-text("New task")');
    await agent.fill('wa-dialog[open] input[name=title]', 'Confirm the visit with Jana');
    await agent.click('wa-dialog[open] button[type=submit]');
    await agent.waitForSelector('.card:has(h2:text-is("Follow-ups")) .task:has-text("Confirm the visit with Jana")');
    await settled(agent);
    await expectAccessible(agent, 'ticket');
    await go(agent, '#/tasks');
    await agent.click('.task:has-text("Confirm the visit with Jana") input[type=checkbox]');
    await agent.waitForSelector('.task:has-text("Confirm the visit with Jana")', { state: 'detached' });
    const tasks = await ok<{ items: { title: string; status: string }[] }>(t, 'GET', `/api/v1/tasks?ticketId=${ticketId}`, undefined, 200);
    expect(tasks.items).toEqual([expect.objectContaining({ title: 'Confirm the visit with Jana', status: 'done' })]);
    await settled(agent);
    await expectAccessible(agent, 'my tasks');

    // The back office is refused, and its navigation is not even shown.
    expect(await agent.locator('#nav a[href^="#/office"]').count()).toBe(0);
    for (const route of ['contracts', 'invoices', 'stock', 'reports']) {
      await go(agent, `#/office/${route}`);
      await agent.waitForSelector('.refused');
      await expectNoMoney(agent, `office/${route}`);
    }
    await dispatcher.close();
    expect(errors).toEqual([]);
  }, 60_000);

  test('an admin sees the back office: money, the contract with its prepaid hours, and a report chart', async () => {
    const admin = await browser.newContext({ viewport: { width: 1440, height: 900 }, timezoneId: 'UTC', locale: 'en-GB', bypassCSP: true });
    const page = await admin.newPage();
    await signInDesk(page, 'ada@desk.test');
    expect(await page.locator('#nav a[href^="#/office"]').count()).toBe(5);
    await go(page, '#/office/contracts');
    await page.waitForSelector('td:has-text("SC-2026-017")');
    // The same scan that finds nothing on the agent's screens finds the contract's value here.
    expect(MONEY.test(await pageText(page))).toBe(true);
    await page.click('a:has-text("SC-2026-017")');
    await page.waitForSelector('.big-number');
    expect(await page.textContent('.big-number')).toContain('20 h');
    await go(page, '#/office/reports?report=backlog-ageing');
    await page.waitForSelector('svg.bar-chart rect.bar', { timeout: 10_000 });
    expect(await page.locator('svg.bar-chart rect.bar').count()).toBeGreaterThanOrEqual(1);
    await expectAccessible(page, 'reports');
    await admin.close();
  }, 30_000);

  test('at 390 px the intake and the 360 fit the screen', async () => {
    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 },
      timezoneId: 'UTC',
      locale: 'en-GB',
      bypassCSP: true,
      isMobile: true,
      hasTouch: true,
    });
    const page = await phone.newPage();
    await signInDesk(page, 'frank@desk.test');
    await page.fill('#intake-search', 'WC200-HH');
    await page.locator('#intake-results [role=option]', { hasText: 'Chiller 1' }).click();
    await page.waitForSelector('.contract:has-text("SC-2026-017")');
    const width = await page.evaluate('document.documentElement.scrollWidth');
    expect(width).toBeLessThanOrEqual(390);
    await expectAccessible(page, 'customer 360 at 390 px');
    await waitFor(async () => (await page.locator('#new-ticket').isVisible()) === true, 'the new-ticket button at 390 px', 5_000);
    await phone.close();
  }, 30_000);
});
