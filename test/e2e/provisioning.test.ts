import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launch, screenshot, signInThroughPage } from '../helpers/browser.ts';
import { startTestServer } from '../helpers/server.ts';

/** The Provisioning page: the SCIM base URL, a token shown once, its last activity, revocation. */
describe.skipIf(!hasChromium)('console: provisioning', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on('pageerror', (e) => errors.push(e.message));
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('creates a token, shows it once, records its use and revokes it', async () => {
    await signInThroughPage(page, server.url, server.admin.tenant, server.admin.login, server.admin.password);
    await page.getByRole('link', { name: 'Provisioning' }).click();
    await page.getByRole('heading', { name: 'Provisioning' }).waitFor();
    const baseUrl = (await page.getByTestId('scim-base-url').textContent())!.trim();
    expect(baseUrl).toMatch(/\/scim\/v2$/);
    await page.getByText('No tokens yet').waitFor();

    await page.getByTestId('create-scim-token').click();
    await page.getByLabel('Name').fill('Entra ID – Contoso');
    await page.getByRole('button', { name: 'Create token' }).last().click();
    const secret = (await page.getByTestId('scim-token-secret').textContent())!.trim();
    expect(secret).toMatch(/^rc_scim_/);
    await screenshot(page, 'provisioning-01-token-once');
    await page.getByRole('button', { name: 'Done' }).click();

    // the token works against the base URL shown, as an identity provider would use it
    const res = await fetch(`${server.url}/scim/v2/Users?count=1`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(res.status).toBe(200);
    await page.reload();
    const row = page.getByTestId('scim-token-row');
    await row.getByText('Entra ID – Contoso').waitFor();
    await row.getByText(/from 127\.0\.0\.1/).waitFor();
    // shown once: nowhere on the page any more
    expect(await page.content()).not.toContain(secret);
    await screenshot(page, 'provisioning-02-tokens');

    // a group the identity provider pushes shows as provisioned on the users page
    const pushed = await fetch(`${server.url}/scim/v2/Groups`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
        displayName: 'Entra Sales',
      }),
    });
    expect(pushed.status).toBe(201);
    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByTestId('group-table-Entra Sales').getByText('From SCIM').waitFor();
    await screenshot(page, 'provisioning-03-provisioned-group');
    await page.getByRole('link', { name: 'Provisioning' }).click();

    await row.getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await page.getByText('No tokens yet').waitFor();
    const after = await fetch(`${server.url}/scim/v2/Users`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(after.status).toBe(401);
    expect(errors).toEqual([]);
  });
});
