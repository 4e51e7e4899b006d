import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launch, screenshot, signInThroughPage } from '../helpers/browser.ts';
import { apiCreateUser, defaultGroupId } from '../helpers/fixtures.ts';
import { startTestServer } from '../helpers/server.ts';

/**
 * Ownership in the console: a duration transfer with sign-in disabled, its clock marker and
 * cancellation; the Shared Workflows window; removing a user with a recipient; the Resources page.
 */
describe.skipIf(!hasChromium)('console: ownership', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  let T: string;
  const people: Record<string, { id: string; email: string | null }> = {};

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on('pageerror', (e) => errors.push(e.message));
    const api = server.testApp.admin;
    const tenantId = server.testApp.providerId;
    T = `/api/v1/tenants/${tenantId}`;
    await api.patch(T, { settings: { timeZone: 'Europe/Berlin' } });
    await api.put(`${T}/licenses`, { pools: [{ type: 'people', quantity: 10 }] });
    for (const [first, last] of [
      ['Hanna', 'Vogel'],
      ['Lukas', 'Brandt'],
      ['Mia', 'Koch'],
    ] as const) {
      people[first] = await apiCreateUser(api, tenantId, {
        firstName: first,
        lastName: last,
        email: `${first.toLowerCase()}@msp.test`,
      });
    }
    const field = (await api.post(`${T}/groups`, { name: 'Field Service' })).json();
    await api.put(`${T}/users/${people.Hanna!.id}/groups`, {
      groupIds: [await defaultGroupId(api, tenantId), field.id],
    });
    await server.testApp.ownerQuery('update groups set owner_id = $1 where id = $2', [
      people.Hanna!.id,
      field.id,
    ]);
    await api.post(`${T}/users/${people.Hanna!.id}/license`, {});
    // Mia holds a licence of her own: removing Hanna to her frees Hanna's seat instead of moving it
    await api.post(`${T}/users/${people.Mia!.id}/license`, {});
    await api.patch(`${T}/groups/${field.id}`, { defaultMemberId: people.Hanna!.id });
    const resource = async (type: string, name: string) =>
      (
        await api.post(`${T}/resources`, {
          type,
          externalId: name.toLowerCase().replace(/\W+/g, '-'),
          name,
          ownerId: people.Hanna!.id,
        })
      ).json();
    const onboarding = await resource('workflow', 'Onboarding checklist');
    await resource('workflow', 'Quarterly audit');
    await resource('job', 'Print batch 42');
    await resource('form', 'Leave request');
    await api.put(`${T}/resources/${onboarding.id}/shares/${people.Lukas!.id}`, { level: 'view' });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const row = (last: string) => page.locator('[data-testid="group-table-Default"] tr', { hasText: last });

  async function pickRecipient(name: string) {
    const dialog = page.getByRole('dialog');
    await dialog.getByTestId('recipient-select').click();
    await dialog.getByTestId('recipient-select').fill(name.split(' ')[0]!);
    await page.getByRole('option', { name: new RegExp(name) }).click();
  }

  it('schedules a duration transfer with sign-in disabled, shows the clock, cancels it, and removes a user with a recipient', async () => {
    await signInThroughPage(page, server.url, server.admin.tenant, server.admin.login, server.admin.password);
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    await row('Vogel').waitFor();
    await screenshot(page, 'ownership-01-users');

    // Transfer Ownership: a duration from tomorrow for a week, sign-in disabled, to Lukas
    await row('Vogel').getByLabel('Transfer ownership of Hanna Vogel').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Duration').check();
    const day = (n: number) =>
      new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin' }).format(
        new Date(Date.now() + n * 86_400_000),
      );
    await dialog.getByTestId('transfer-start-date').fill(day(1));
    await dialog.getByTestId('transfer-end-date').fill(day(8));
    await dialog.getByLabel('Disable user sign-in during this time').check();
    await pickRecipient('Lukas Brandt');
    await dialog.getByTestId('groups-notice').waitFor();
    expect(await dialog.getByTestId('groups-notice').textContent()).toContain('Field Service');
    await dialog.getByTestId('plan-summary').getByText('Moves:').waitFor();
    await screenshot(page, 'ownership-02-transfer-dialog');
    await dialog.getByRole('button', { name: 'Schedule transfer' }).click();
    await page.getByText(/Transfer scheduled for/).waitFor();
    await dialog.waitFor({ state: 'detached' });

    // the clock marker replaces the trash icon; its window shows the transfer and cancels it
    const marker = row('Vogel').getByTestId('pending-change-duration');
    await marker.waitFor();
    await screenshot(page, 'ownership-03-clock-marker');
    // the user's page shows it too, beside the name, with what they own
    await row('Vogel').getByRole('link', { name: 'Vogel' }).click();
    await page.getByText('Hanna Vogel', { exact: true }).waitFor();
    await page.getByRole('tab', { name: 'Ownerships' }).click();
    await page.getByText('Transfer for a duration').waitFor();
    await screenshot(page, 'ownership-04-user-detail');
    await page.getByTestId('pending-change-duration').click();
    const pending = page.getByRole('dialog');
    await pending.getByText('Disabled until the end').waitFor();
    await screenshot(page, 'ownership-05-pending-transfer');
    await pending.getByRole('button', { name: 'Cancel transfer' }).click();
    await page.getByText('Transfer cancelled').waitFor();
    await page.getByTestId('pending-change-duration').waitFor({ state: 'detached' });
    await page.getByRole('link', { name: '← Users' }).click();
    await marker.waitFor({ state: 'detached' });
    await row('Vogel').getByLabel('Remove Hanna Vogel').waitFor();

    // Shared Workflows: what is shared with Lukas, its level changed and saved
    await row('Brandt').getByLabel('Shared with Lukas Brandt').click();
    const shared = page.getByRole('dialog');
    await shared.getByTestId('shared-table').getByText('Onboarding checklist').waitFor();
    await shared.getByLabel('Access to Onboarding checklist').click();
    await page.getByRole('option', { name: 'Can edit' }).click();
    await screenshot(page, 'ownership-06-shared-workflows');
    await shared.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Sharing saved').waitFor();
    const lukasShares = (await server.testApp.admin.get(`${T}/users/${people.Lukas!.id}/shared`)).json()
      .items;
    expect(lukasShares[0].level).toBe('edit');

    // Remove User: immediate, the warning about a workflow shared with nobody, Mia as recipient
    await row('Vogel').getByLabel('Remove Hanna Vogel').click();
    const removal = page.getByRole('dialog');
    const warning = removal.getByTestId('warning-workflows_shared_with_nobody');
    await warning.waitFor();
    expect(await warning.textContent()).toContain('Quarterly audit');
    expect(await removal.getByRole('button', { name: 'Remove user' }).isDisabled()).toBe(true);
    await pickRecipient('Mia Koch');
    // the preview says what really happens to the licence: Mia has one, so Hanna's is freed
    const freed = removal.getByTestId('plan-freed');
    await freed.waitFor();
    expect(await freed.textContent()).toContain('Mia Koch already holds one');
    const moves = removal.getByTestId('plan-summary').locator('p', { hasText: 'Moves:' });
    expect(await moves.textContent()).not.toContain('Licences');
    // an immediate removal cannot be taken back: the name is typed first
    expect(await removal.getByRole('button', { name: 'Remove user' }).isDisabled()).toBe(true);
    await removal.locator('input[name=confirm-text]').fill('hanna  vogel');
    await screenshot(page, 'ownership-07-remove-dialog');
    await removal.getByRole('button', { name: 'Remove user' }).click();
    await page.getByText('Hanna Vogel removed').waitFor();
    await row('Vogel').waitFor({ state: 'detached' });
    const mias = (await server.testApp.admin.get(`${T}/users/${people.Mia!.id}/ownerships`)).json();
    expect(mias.kinds.map((k: { type: string }) => k.type)).toEqual(
      expect.arrayContaining(['group', 'license', 'default_group_member', 'workflow', 'job', 'form']),
    );

    // the Resources page: workflows now owned by Mia; one changes hands
    await page.getByRole('link', { name: 'Resources' }).click();
    await page.getByRole('heading', { name: 'Resources' }).waitFor();
    await page.getByTestId('kind-workflow').click();
    const table = page.getByTestId('resources-table');
    const audit = table.locator('tr', { hasText: 'Quarterly audit' });
    await audit.getByText('Mia Koch').waitFor();
    await screenshot(page, 'ownership-08-resources');
    await audit.getByRole('button', { name: 'Change owner' }).click();
    await pickRecipient('Lukas Brandt');
    await page.getByRole('dialog').getByRole('button', { name: 'Change owner' }).click();
    await page.getByText('Quarterly audit now belongs to Lukas Brandt').waitFor();
    await audit.getByText('Lukas Brandt').waitFor();
    await screenshot(page, 'ownership-09-owner-changed');
    expect(errors).toEqual([]);
  });
});
