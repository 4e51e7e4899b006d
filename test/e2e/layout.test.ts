import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launch, screenshot, signInThroughPage } from '../helpers/browser.ts';
import { startTestServer } from '../helpers/server.ts';

/** What a new administrator notices first: headers on a narrow window, empty pages, toasts, filters. */
describe.skipIf(!hasChromium)('console: layout on first use', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 900, height: 800 } });
    page.on('pageerror', (e) => errors.push(e.message));
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('at 900 px the page headers put their actions below the title, nothing cut off', async () => {
    await signInThroughPage(page, server.url, server.admin.tenant, server.admin.login, server.admin.password);
    const users = page.getByRole('heading', { name: 'Users', exact: true });
    await users.waitFor();
    const invite = (await page.getByRole('button', { name: 'Invite users' }).boundingBox())!;
    expect(invite.x + invite.width).toBeLessThanOrEqual(900);
    // the subtitle keeps its width: one or two lines, not a word a line
    const subtitle = (await page.getByText('Everyone in this tenant, by group.').boundingBox())!;
    expect(subtitle.height).toBeLessThan(50);
    expect(subtitle.width).toBeGreaterThan(300);
    // the user table's badges show whole words (it scrolls sideways instead)
    const cutUsers = await page
      .getByRole('table')
      .first()
      .locator('.mantine-Badge-label')
      .evaluateAll((els) => els.filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => e.textContent));
    expect(cutUsers).toEqual([]);
    await screenshot(page, 'layout-01-users-900');

    await page.getByRole('link', { name: 'Tenants' }).click();
    await page.getByRole('heading', { name: 'Tenants', exact: true }).waitFor();
    await page.getByRole('table').locator('.mantine-Badge-label').first().waitFor();
    // the kind and status badges show whole words (the table scrolls sideways instead)
    const cut = await page
      .getByRole('table')
      .locator('.mantine-Badge-label')
      .evaluateAll((els) => els.filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => e.textContent));
    expect(cut).toEqual([]);
    await screenshot(page, 'layout-02-tenants-900');

    // the provider's own empty template library says what to do in a provider
    await page.getByRole('link', { name: 'User flows' }).click();
    await page.getByText('No templates yet').waitFor();
    await page.getByText('Build one with New template, then publish it to your customers.').waitFor();
    expect(await page.getByText('publish one from your provider').count()).toBe(0);
    await screenshot(page, 'layout-03-flows-900');
  });

  it('the role editor names every category alike, and its toast leaves the account menu clear', async () => {
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.getByRole('link', { name: 'Roles & permissions' }).click();
    await page.getByRole('button', { name: 'New custom role' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('Resources', { exact: true }).waitFor();
    expect(await dialog.getByText('resources', { exact: true }).count()).toBe(0);
    await screenshot(page, 'layout-04-new-role');
    await dialog.getByRole('textbox', { name: /^Name/ }).fill('Helpdesk');
    await dialog.getByRole('button', { name: 'Save role' }).click();
    const toast = page.getByText('Role saved');
    await toast.waitFor();
    const box = (await toast.boundingBox())!;
    const menu = (await page.getByTestId('account-menu').boundingBox())!;
    expect(box.y).toBeGreaterThan(menu.y + menu.height);
    await screenshot(page, 'layout-05-toast');
  });

  it('the audit filters show their hints whole', async () => {
    await page.getByRole('link', { name: 'Audit log' }).click();
    const action = page.getByLabel('Action');
    await action.waitFor();
    expect(await action.getAttribute('placeholder')).toBe('user.created or user.');
    // the hint fits: its text is no wider than the room the input gives it
    const cut = await page.evaluate(
      `[...document.querySelectorAll('form input[placeholder]')].filter((el) => {
        const s = getComputedStyle(el); const c = document.createElement('canvas').getContext('2d');
        c.font = s.font; return c.measureText(el.placeholder).width
          > el.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight); }).map((el) => el.placeholder)`,
    );
    expect(cut).toEqual([]);
    await screenshot(page, 'layout-06-audit');
    expect(errors).toEqual([]);
  });
});
