/**
 * Shared by the console's end-to-end tests: Chromium (Debian's, via playwright-core), signing a
 * dispatcher in, axe-core injected into the page (the CSP is bypassed for that one script; the
 * console's own CSP is asserted in console.e2e.test.ts), and screenshots for docs/.
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import type { TestPlatform } from '../harness/platform.js';

export const PASSWORD = 'console-e2e-password-1';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** docs/<name>.png with UPDATE_SCREENSHOT=1, else the temp folder. */
export const screenshotPath = (name: string): string =>
  process.env.UPDATE_SCREENSHOT === '1' ? path.resolve(`docs/${name}.png`) : path.join(os.tmpdir(), `telemend-${name}.png`);

export async function ok<T = Record<string, string>>(t: TestPlatform, method: string, url: string, body?: unknown, status = 201): Promise<T> {
  const res = await t.call<T>(method, url, body);
  if (res.status !== status) throw new Error(`${method} ${url}: expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function openBrowser(): Promise<{ browser: Browser; context: BrowserContext; page: Page }> {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, timezoneId: 'UTC', locale: 'en-GB', bypassCSP: true });
  const page = await context.newPage();
  return { browser, context, page };
}

export async function signIn(page: Page, api: string, email: string): Promise<void> {
  await page.goto(`${api}/console`);
  await page.fill('#email', email);
  await page.fill('#password', PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForSelector('#conn.conn-live', { timeout: 15_000 });
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/** axe-core's serious and critical violations in the page as it is now (WCAG 2 A and AA rules). */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate('typeof window.axe !== "undefined"'))) await page.addScriptTag({ path: AXE });
  const found = await page.evaluate(async () => {
    // In the page: axe-core's global (the test's tsconfig has no DOM types).
    const page = globalThis as unknown as {
      axe: {
        run(
          context: unknown,
          options: unknown,
        ): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: string[]; html: string }[] }[] }>;
      };
      document: unknown;
    };
    const result = await page.axe.run(page.document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
      resultTypes: ['violations'],
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 4).map((n) => `${n.target.join(' ')}: ${n.html.slice(0, 160)}`),
    }));
  });
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

export async function expectAccessible(page: Page, view: string): Promise<void> {
  expect(await axeViolations(page), `axe on the ${view}`).toEqual([]);
}
