import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launch, pixelsOf, screenshot, signInThroughPage } from '../helpers/browser.ts';
import { apiCreateUser, signIn } from '../helpers/fixtures.ts';
import { startTestServer } from '../helpers/server.ts';

/** The directory: groups, users, a group role, a bulk action, and the reason behind a permission. */
describe.skipIf(!hasChromium)('console: directory', () => {
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

  async function createUser(first: string, last: string, email: string) {
    await page.getByRole('button', { name: 'Create user' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('First name').fill(first);
    await dialog.getByLabel('Last name').fill(last);
    await dialog.getByLabel('Email').fill(email);
    await dialog.getByRole('button', { name: 'Create user' }).click();
    await dialog.waitFor({ state: 'detached' });
  }

  it('creates a group and two users, sets a group role, runs a bulk action, and explains a permission', async () => {
    await signInThroughPage(page, server.url, server.admin.tenant, server.admin.login, server.admin.password);
    await page.getByRole('heading', { name: 'Users' }).waitFor();

    await page.getByRole('button', { name: 'Create group' }).click();
    await page.getByRole('dialog').getByLabel('Name').fill('Service Desk');
    await page.getByRole('dialog').getByRole('button', { name: 'Create group' }).click();
    await page.getByTestId('group-table-Service Desk').waitFor();

    await createUser('Marta', 'Schmidt', 'marta@msp.test');
    await createUser('Jonas', 'Weber', 'jonas@msp.test');
    await page.getByRole('link', { name: 'Schmidt' }).waitFor();
    // the column shows a username where there is no email, and says so
    await page.getByRole('button', { name: 'Sort by Email or username' }).first().waitFor();
    await screenshot(page, 'directory-01-users-created');

    // select both new users (the selection box of the Default group table reaches all three; pick two)
    await page.getByLabel('Select Marta Schmidt').first().check();
    await page.getByLabel('Select Jonas Weber').first().check();
    const headerBox = page.getByLabel('Select all in Default');
    expect(await headerBox.getAttribute('data-indeterminate')).toBe('true');
    await page.getByTestId('bulk-actions').click();
    await screenshot(page, 'directory-02-bulk-menu');
    // only what applies to all selected: both active, so no "Reactivate"
    expect(await page.getByRole('menuitem', { name: 'Reactivate' }).count()).toBe(0);
    await page.getByRole('menuitem', { name: 'Assign to groups…' }).click();
    await page.getByRole('dialog').getByLabel('Groups').click();
    await page.getByRole('option', { name: 'Service Desk' }).click();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').getByRole('button', { name: 'Apply' }).click();
    await page.getByText('Done for 2 users').waitFor();
    const deskTable = page.getByTestId('group-table-Service Desk');
    await deskTable.getByRole('link', { name: 'Weber' }).waitFor();

    // the default member must hold a licence (rule 7): give Marta one through the API
    const api = server.testApp.admin;
    const tenantId = server.testApp.providerId;
    await api.put(`/api/v1/tenants/${tenantId}/licenses`, { pools: [{ type: 'people', quantity: 10 }] });
    const marta = (await api.get(`/api/v1/tenants/${tenantId}/users?q=marta@msp.test`)).json().items[0];
    expect((await api.post(`/api/v1/tenants/${tenantId}/users/${marta.id}/license`, {})).statusCode).toBe(
      200,
    );
    // group configuration: the group role Help Desk and a default member
    await page.getByLabel('Configure Service Desk').click();
    await page.getByRole('dialog').getByLabel('Group role').click();
    await page.getByRole('option', { name: 'Help Desk' }).click();
    await page.getByRole('dialog').getByLabel('Default group member').click();
    await page.getByRole('option', { name: 'Marta Schmidt' }).click();
    await screenshot(page, 'directory-03-group-config');
    await page.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
    await deskTable.getByText('Group role: Help Desk').waitFor();
    await screenshot(page, 'directory-04-group-role');

    // a bulk status change, asked for first in a dialog; one user refused says why, by name
    await page.getByLabel('Select Jonas Weber').first().check();
    await page.getByLabel('Select Super Admin').first().check();
    await page.getByTestId('bulk-actions').click();
    await page.getByRole('menuitem', { name: 'Suspend' }).click();
    const confirm = page.getByRole('dialog', { name: 'Suspend 2 users?' });
    await confirm.getByText('cannot sign in until reactivated').waitFor();
    await screenshot(page, 'directory-05a-suspend-confirm');
    await confirm.getByRole('button', { name: 'Suspend 2 users' }).click();
    const refusals = page.getByTestId('bulk-refusals');
    await refusals.waitFor();
    expect(await refusals.textContent()).toBe(
      'Super Admin: You cannot suspend yourself; another administrator must do it.',
    );
    await page.getByText('Jonas Weber suspended; no session was open · 1 not done').waitFor();
    await screenshot(page, 'directory-05b-bulk-refusal');
    await page.getByRole('tab', { name: /Suspended/ }).click();
    await page.getByRole('link', { name: 'Weber' }).first().waitFor();
    await screenshot(page, 'directory-05-suspended-tab');

    // Marta's Roles & permissions tab says why she can suspend users
    await page.getByRole('tab', { name: /Active/ }).click();
    await page.getByRole('link', { name: 'Schmidt' }).first().click();
    await page.getByRole('tab', { name: 'Roles & permissions' }).click();
    const table = page.getByTestId('effective-permissions');
    const row = table.locator('tr', { hasText: 'users.suspend' });
    await row.waitFor();
    expect(await row.textContent()).toContain('group role Help Desk via group Service Desk');
    await screenshot(page, 'directory-06-permission-reason');
    // a page taller than the screen: the sidebar's colour goes on to its bottom, not just one screen down
    const full = await page.screenshot({
      fullPage: true,
      path: 'test-results/screenshots/directory-06b-full-page.png',
    });
    const {
      height,
      colours: [top, bottom, main],
    } = await pixelsOf(page, full, [
      [6, 300],
      [6, -6],
      [300, -6],
    ]);
    expect(height).toBeGreaterThan(900);
    expect(bottom).toBe(top);
    expect(main).not.toBe(top);

    // one user's page: Suspend and Archive ask first in a dialog, and the toast says what happened
    const frank = await apiCreateUser(api, tenantId, {
      firstName: 'Frank',
      lastName: 'Miller',
      email: 'frank@msp.test',
    });
    await signIn(server.testApp.app, server.admin.tenant, 'frank@msp.test');
    await signIn(server.testApp.app, server.admin.tenant, 'frank@msp.test');
    await page.goto(`${server.url}/t/${tenantId}/users/${frank.id}`);
    // his time zone and language come from lists; unset, the tenant's zone (UTC) applies
    const zone = page.getByTestId('user-time-zone');
    await page.locator('[data-testid="user-time-zone"][placeholder="Tenant’s: UTC"]').waitFor();
    await zone.click();
    await zone.fill('America/New_Y');
    await page.getByRole('option', { name: 'America/New_York' }).click();
    await page.getByTestId('user-locale').click();
    await page.getByTestId('user-locale').fill('Ireland');
    await page.getByRole('option', { name: 'English (Ireland)' }).click();
    await page.getByRole('button', { name: 'Save profile' }).click();
    await page.getByText('Profile saved').waitFor();
    await screenshot(page, 'directory-07a-user-zone');
    expect((await api.get(`/api/v1/tenants/${tenantId}/users/${frank.id}`)).json()).toMatchObject({
      timeZone: 'America/New_York',
      locale: 'en-IE',
    });
    await page.getByRole('button', { name: 'Actions' }).click();
    await page.getByRole('menuitem', { name: 'Suspend…' }).click();
    const suspend = page.getByRole('dialog', { name: 'Suspend Frank Miller?' });
    await suspend.getByText('Frank Miller cannot sign in until reactivated').waitFor();
    await suspend.getByRole('button', { name: 'Suspend', exact: true }).click();
    await page.getByText('Frank Miller suspended; 2 sessions ended').waitFor();
    await screenshot(page, 'directory-07-suspended');
    await page.getByRole('button', { name: 'Actions' }).click();
    await page.getByRole('menuitem', { name: 'Archive…' }).click();
    const archive = page.getByRole('dialog', { name: 'Archive Frank Miller?' });
    await archive.getByText('This cannot be undone:').waitFor();
    await screenshot(page, 'directory-08-archive-confirm');
    await archive.getByRole('button', { name: 'Archive', exact: true }).click();
    await page.getByText('Frank Miller archived; no session was open').waitFor();
    expect((await api.get(`/api/v1/tenants/${tenantId}/users/${frank.id}`)).json().status).toBe('archived');

    // deleting a custom role is asked in the same dialog, never the browser's own confirm
    await api.post(`/api/v1/tenants/${tenantId}/roles`, {
      name: 'Night Shift',
      description: 'Reads the directory',
      permissions: ['console.access', 'users.read'],
    });
    page.on('dialog', (d) => errors.push(`native dialog: ${d.message()}`));
    await page.getByRole('link', { name: 'Roles & permissions' }).click();
    await page.locator('tr', { hasText: 'Night Shift' }).getByRole('button', { name: 'Delete' }).click();
    const del = page.getByRole('dialog', { name: 'Delete the role Night Shift?' });
    await screenshot(page, 'directory-09-delete-role');
    await del.getByRole('button', { name: 'Delete role' }).click();
    await page.getByText('Role Night Shift deleted').waitFor();
    expect(errors).toEqual([]);
  });
});
