import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launch, screenshot, signInThroughPage } from '../helpers/browser.ts';
import { startTestServer } from '../helpers/server.ts';

/** The API docs page, used by someone signed in to the console. */
describe.skipIf(!hasChromium)('console: API docs', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('says Rollcall, and Try it out creates a token with the console cookie (the CSRF header goes along)', async () => {
    await signInThroughPage(page, server.url, server.admin.tenant, server.admin.login, server.admin.password);
    await page.goto(`${server.url}/docs`);
    await page.locator('.information-container .title').getByText('Rollcall API').waitFor();
    await screenshot(page, 'docs-00-top');
    expect(await page.title()).toBe('Rollcall API');
    const operation = page.locator('#operations-auth-post_api_v1_me_tokens');
    // a fresh load of the deep link opens the operation (a hash change alone does not)
    await page.goto('about:blank');
    await page.goto(`${server.url}/docs#/auth/post_api_v1_me_tokens`);
    await operation.getByRole('button', { name: 'Try it out' }).click();
    const body = operation.locator('textarea.body-param__text');
    expect(await body.inputValue()).toContain('"name": "Nightly export script"');
    await screenshot(page, 'docs-01-try-it-out');
    const created = page.waitForResponse(
      (r) => r.url().endsWith('/api/v1/me/tokens') && r.request().method() === 'POST',
    );
    await operation.getByRole('button', { name: 'Execute' }).click();
    const response = await created;
    expect(response.status()).toBe(201);
    expect(((await response.json()) as { token: string }).token).toMatch(/^rc_pat_/);
    await operation.locator('.responses-wrapper .live-responses-table').waitFor();
    await screenshot(page, 'docs-02-token-created');

    // the same request without the header is still refused: only the docs page adds it
    const refused = await page.evaluate(async () => {
      const r = await fetch('/api/v1/me/tokens', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'no header' }),
      });
      return { status: r.status, code: ((await r.json()) as { code: string }).code };
    });
    expect(refused).toEqual({ status: 403, code: 'auth.csrf_failed' });

    // the OpenAPI document is where the README says, and where the docs page reads it
    for (const path of ['/openapi.json', '/docs/json']) {
      const doc = (await (await fetch(`${server.url}${path}`)).json()) as { info: { title: string } };
      expect(doc.info.title).toBe('Rollcall API');
    }
  });
});
