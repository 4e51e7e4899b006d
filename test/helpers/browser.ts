import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { vi } from 'vitest';

// A browser test walks through many pages; on a loaded 2-core machine that takes longer than an API
// test. Each step still fails on its own after ACTION_TIMEOUT, naming the locator it waited for.
vi.setConfig({ testTimeout: 120_000 });
const ACTION_TIMEOUT = 20_000;

/**
 * Debian's chromium, driven by playwright-core. Without it the browser tests say so in one line and
 * are skipped, except under CI=true, where a missing browser is a failure.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
export const SCREENSHOTS = path.resolve('test-results/screenshots');

if (!hasChromium) {
  if (process.env.CI === 'true')
    throw new Error(`${CHROMIUM} is missing: CI must install chromium (apt-get install chromium)`);
  console.log(`Browser tests skipped: ${CHROMIUM} not found (apt-get install chromium to run them).`);
}

export async function launch(): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const newPage = browser.newPage.bind(browser);
  browser.newPage = async (options) => {
    const page = await newPage(options);
    page.setDefaultTimeout(ACTION_TIMEOUT);
    return page;
  };
  return browser;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.waitForTimeout(250); // let transitions settle
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: false });
}

export async function signInThroughPage(
  page: Page,
  url: string,
  tenant: string,
  login: string,
  password: string,
) {
  await page.goto(url);
  await page.locator('input[name=tenant]').fill(tenant);
  await page.locator('input[name=login]').fill(login);
  await page.locator('input[name=password]').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL(/\/t\/[^/]+\/users/);
}

/**
 * The colours (`r,g,b,a`) of a PNG's pixels, read by the browser itself (a canvas), so tests can
 * check a full-page capture without an image library. `y` below 0 counts from the bottom.
 */
export async function pixelsOf(
  page: Page,
  png: Buffer,
  points: Array<[x: number, y: number]>,
): Promise<{ height: number; colours: string[] }> {
  // a string, not a function: the test code is compiled without the DOM's types
  return page.evaluate(`(async () => {
    const img = new Image();
    img.src = 'data:image/png;base64,${png.toString('base64')}';
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = img.width;
    canvas.height = img.height;
    const g = canvas.getContext('2d');
    g.drawImage(img, 0, 0);
    const colours = ${JSON.stringify(points)}.map(([x, y]) =>
      Array.from(g.getImageData(x, y < 0 ? img.height + y : y, 1, 1).data).join(','));
    return { height: img.height, colours };
  })()`);
}
