/**
 * The customer portal end to end, in headless Chromium against the whole platform: a customer
 * admin signs in at /portal, raises a request with a photo (the ticket lands with channel portal
 * and the attachment), follows the open ticket (technician's first name, live ETA), reads
 * invoices, contracts, equipment and contacts, and invites a colleague; changing an id in the
 * address to another customer's record shows "not found", never the record. axe-core finds no
 * serious or critical violation on any page, at desktop and at phone width (390 px).
 * Screenshots: docs/portal-*.png with UPDATE_SCREENSHOT=1.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../harness/platform.js';
import { waitFor } from '../harness/servers.js';
import { expectAccessible, openBrowser, screenshotPath } from '../console/console-helpers.js';
import { pdfContent } from '../harness/pdf-text.js';
import { customerWorld, photo, PORTAL_PASSWORD, type PortalWorld } from './portal-helpers.js';

let t: TestPlatform;
let browser: Browser;
let page: Page;
let mine: PortalWorld;
let theirs: PortalWorld;
const photoFile = path.join(os.tmpdir(), `portal-leak-${process.pid}.jpg`);

beforeAll(async () => {
  t = await startTestPlatform();
  mine = await customerWorld(t, `nw${process.pid}`, {
    customer: 'Nordwind Kältetechnik GmbH',
    site: 'Hamburg cold store',
    person: 'Anna Schröder',
    open: 'Condenser pressure rising',
    worked: 'Compressor trips on high pressure',
  });
  theirs = await customerWorld(t, `ot${process.pid}`, {
    customer: 'Other Foods AG',
    site: 'Bremen plant',
    person: 'Otto Fremd',
    open: 'Freezer door alarm',
    worked: 'Boiler flame failure',
  });
  await writeFile(photoFile, await photo());
  ({ browser, page } = await openBrowser());
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await t?.stop();
  await rm(photoFile, { force: true });
});

async function signIn(email: string): Promise<void> {
  await page.goto(`${t.api}/portal/#/`);
  await page.fill('#email', email);
  await page.fill('#password', PORTAL_PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForSelector('nav.tabs', { timeout: 15_000 });
}

async function open(route: string, ready: string): Promise<void> {
  await page.goto(`${t.api}/portal/#/${route}`);
  await page.waitForSelector(ready, { timeout: 15_000 });
}

const text = () => page.locator('#main').innerText();

describe('customer portal', { timeout: 90_000 }, () => {
  test('signs in, lists the own requests, and follows the open one: technician first name and live ETA', async () => {
    await signIn(mine.email);
    await page.waitForSelector('.row-link');
    expect(await text()).toContain(mine.openTicket.title);
    expect(await text()).not.toContain(theirs.openTicket.title);
    await expectAccessible(page, 'requests');
    await page.screenshot({ path: screenshotPath('portal-requests') });

    await page.click(`a[href="#/tickets/${mine.openTicket.id}"]`);
    await page.waitForSelector('.visit .eta');
    const detail = await text();
    expect(detail).toContain('Technician: Lena');
    expect(detail).not.toContain('Vogt');
    expect(detail).toMatch(/On the way · Arrives around \d\d:\d\d/);
    await expectAccessible(page, 'ticket');
    await page.screenshot({ path: screenshotPath('portal-ticket'), fullPage: true });
  });

  test('a customer raises a request with a photo: the ticket has channel portal and the attachment', async () => {
    await open('new', '#req-title');
    await page.selectOption('#req-asset', mine.assetIds[1]!);
    expect(await page.inputValue('#req-site')).toBe(mine.siteId);
    await page.check('input[name=type][value=breakdown]');
    await page.fill('#req-title', 'Oil on the floor under the compressor');
    await page.fill('#req-description', 'A small puddle since this morning.');
    await page.setInputFiles('#req-files', photoFile);
    await page.waitForSelector('.preview img');
    await expectAccessible(page, 'new request');
    await page.screenshot({ path: screenshotPath('portal-new-request'), fullPage: true });
    await page.click('form.request-form button[type=submit]');
    await page.waitForURL(/#\/tickets\/[0-9a-f-]{36}$/, { timeout: 15_000 });
    const id = page.url().split('/').pop()!;
    await page.waitForSelector('.file .file-thumb img');

    const ticket = await t.call<{ channel: string; customerId: string; assetId: string; title: string }>('GET', `/api/v1/tickets/${id}`);
    expect(ticket.body).toMatchObject({
      channel: 'portal',
      customerId: mine.customerId,
      assetId: mine.assetIds[1],
      title: 'Oil on the floor under the compressor',
    });
    const files = await t.call<{ items: { contentType: string; parentType: string }[] }>('GET', `/api/v1/tickets/${id}/attachments`);
    expect(files.body.items).toEqual([expect.objectContaining({ parentType: 'ticket', contentType: 'image/jpeg' })]);

    await page.fill('#note-text', 'The gate code is 4711.');
    await page.click('form.note-form button[type=submit]');
    await page.waitForSelector('.note');
    const notes = await t.call<{ items: { kind: string; body: string }[] }>('GET', `/api/v1/activities?ticketId=${id}`);
    expect(notes.body.items).toEqual([expect.objectContaining({ kind: 'note', body: 'The gate code is 4711.' })]);
  });

  test('invoices, contracts, equipment and contacts are the own customer’s', async () => {
    await open('invoices', 'table.table');
    expect(await text()).toContain(mine.invoice.number);
    expect(await text()).not.toContain(theirs.invoice.number);
    await expectAccessible(page, 'invoices');
    await page.click(`a[href="#/invoices/${mine.invoice.id}"]`);
    await page.waitForSelector('[data-total]');
    const total = new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'EUR' }).format(mine.invoice.total);
    expect(await page.locator('[data-total]').innerText()).toBe(total);
    // The PDF the customer downloads carries the invoice number and total.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click(`.page-head [data-pdf="${mine.invoice.id}"]`)]);
    expect(download.suggestedFilename()).toBe(`${mine.invoice.number}.pdf`);
    const pdf = await pdfContent(await readFile((await download.path())!));
    expect(pdf.text).toContain(mine.invoice.number);
    expect(pdf.text.replace(/\s+/g, ' ')).toContain(total.replace(/\s+/g, ' '));
    await expectAccessible(page, 'invoice');
    await page.screenshot({ path: screenshotPath('portal-invoice'), fullPage: true });

    await open('contracts', '.meter');
    expect(await text()).toContain('Full Service Plus');
    expect(await text()).toMatch(/\d+ h( \d+ min)? of 20 h left/);
    await expectAccessible(page, 'contracts');
    await page.screenshot({ path: screenshotPath('portal-contracts'), fullPage: true });

    await open('equipment', '.site-group');
    const equipment = await text();
    expect(equipment).toContain('Chiller hall A');
    expect(equipment).toContain('Offline');
    expect(equipment).toContain('Not connected');
    await expectAccessible(page, 'equipment');
    await page.screenshot({ path: screenshotPath('portal-equipment'), fullPage: true });

    await open('notifications', 'form');
    expect(await text()).toContain('Anna Schröder');
    expect(await text()).not.toContain('Otto Fremd');
    await expectAccessible(page, 'notifications');
  });

  test('a customer admin invites a colleague', async () => {
    await open('users', '.user-row');
    await page.fill('#invite-name', 'Mia Neumann');
    await page.fill('#invite-email', `mia.${process.pid}@example.test`);
    await page.click('form.invite-form button[type=submit]');
    await page.waitForSelector('.user-row:has-text("Mia Neumann")');
    expect(await text()).toContain('Invitation pending');
    await expectAccessible(page, 'users');
    await page.screenshot({ path: screenshotPath('portal-users'), fullPage: true });
  });

  test('a customer accepts a quote and downloads its PDF; the API records the acceptance from the portal', async () => {
    await open('quotes', `[data-accept="${mine.quote.id}"]`);
    expect(await text()).toContain(mine.quote.number);
    await expectAccessible(page, 'quotes');
    await page.screenshot({ path: screenshotPath('portal-quotes'), fullPage: true });
    page.once('dialog', (dialog) => void dialog.accept());
    await page.click(`[data-accept="${mine.quote.id}"]`);
    await page.waitForSelector('text=Approved');
    const quote = await t.call<{ status: string; decision: { channel: string } | null }>('GET', `/api/v1/quotes/${mine.quote.id}`);
    expect(quote.body).toMatchObject({ status: 'accepted', decision: { channel: 'portal' } });
    expect(await page.locator(`[data-accept="${theirs.quote.id}"]`).count()).toBe(0);
    // Its PDF downloads from the same card.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click(`[data-quote-pdf="${mine.quote.id}"]`)]);
    const pdf = await pdfContent(await readFile((await download.path())!));
    expect(pdf.text).toContain(mine.quote.number);
  });

  test("changing an id in the address to another customer's record shows not-found, never the record", async () => {
    for (const [route, secret] of [
      [`tickets/${theirs.openTicket.id}`, theirs.openTicket.title],
      [`tickets/${theirs.workedTicket.id}`, theirs.workedTicket.title],
      [`invoices/${theirs.invoice.id}`, theirs.invoice.number],
      [`tickets/${theirs.openTicket.id}`, theirs.quote.number],
    ] as const) {
      await open(route, '.not-found');
      const shown = await page.locator('body').innerText();
      expect(shown).toContain('This record does not exist or is not yours.');
      expect(shown).not.toContain(secret);
    }
    await expectAccessible(page, 'not found');
  });

  test('German, and a 390 px phone', async () => {
    // Toasts of the previous steps fade out first (axe measures contrast mid-animation otherwise).
    await page.waitForFunction('document.querySelectorAll(".toast").length === 0', undefined, { timeout: 15_000 });
    await page.setViewportSize({ width: 390, height: 844 });
    await open('tickets', '.row-link');
    await page.selectOption('#language', 'de');
    await page.waitForSelector('text=Ihre Serviceanfragen');
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await expectAccessible(page, 'requests (phone, de)');
    await page.screenshot({ path: screenshotPath('portal-phone'), fullPage: true });
    await open(`tickets/${mine.openTicket.id}`, '.visit .eta');
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    expect(await text()).toContain('Techniker: Lena');
    await expectAccessible(page, 'ticket (phone, de)');
    await page.screenshot({ path: screenshotPath('portal-phone-ticket'), fullPage: true });
    await open('new', '#req-title');
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await expectAccessible(page, 'new request (phone, de)');
    await page.selectOption('#language', 'en');
  });

  test('password reset pages: ask for a link without saying whether the account exists', async () => {
    await page.setViewportSize({ width: 1280, height: 860 });
    await page.click('.topbar .btn-ghost');
    await page.waitForSelector('#email');
    await page.click('a[href="#/forgot"]');
    await page.fill('#email', 'nobody@example.test');
    await page.click('button[type=submit]');
    await page.waitForSelector('text=If the address belongs to an account');
    await expectAccessible(page, 'forgot password');
    await page.screenshot({ path: screenshotPath('portal-forgot') });
    await open('reset?token=not-a-real-token-but-long-enough', '#new-password');
    await page.fill('#new-password', 'a brand new passphrase');
    await page.fill('#repeat-password', 'a brand new passphrase');
    await page.click('button[type=submit]');
    await waitFor(async () => (await page.locator('wa-callout[variant=danger]').innerText()).includes('invalid, expired or already used'), 'the refusal');
    await expectAccessible(page, 'reset password');
  });
});
