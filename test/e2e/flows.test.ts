import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flowEngineOf } from '../../src/modules/flows/engine.ts';
import { TestClient } from '../helpers/app.ts';
import { hasChromium, launch, screenshot, signInThroughPage } from '../helpers/browser.ts';
import { apiCreateUser, roleId, USER_PASSWORD } from '../helpers/fixtures.ts';
import { startTestServer } from '../helpers/server.ts';

/**
 * The headline in a real browser: the provider's admin builds a three-step offboarding template and
 * publishes it to a customer; that customer's Help Desk offboards a user from the user page after
 * seeing the timeline; the runs monitor shows the steps complete as their minutes come (the server's
 * clock is injected and moved).
 */
describe.skipIf(!hasChromium)('console: user flows', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Browser;
  let admin: Page;
  let desk: Page;
  const errors: string[] = [];
  // an API token: no idle timeout once the server's clock jumps to the leave date
  let api: TestClient;
  let customer: string;
  const LEAVE = '2027-06-15';
  const moveClock = async (iso: string) => {
    server.testApp.clock.set(new Date(iso));
    await flowEngineOf(server.testApp.rollcall.platform).settle();
  };

  beforeAll(async () => {
    server = await startTestServer();
    const session = server.testApp.admin;
    api = TestClient.withToken(
      server.testApp.app,
      (await session.post('/api/v1/me/tokens', { name: 'e2e flows' })).json().token,
    );
    customer = (await api.post('/api/v1/tenants', { name: 'Northwind', slug: 'northwind' })).json().id;
    const groups = [];
    for (const name of ['Sales', 'VPN'])
      groups.push((await api.post(`/api/v1/tenants/${customer}/groups`, { name })).json().id);
    const defaultGroup = (await api.get(`/api/v1/tenants/${customer}/groups`))
      .json()
      .items.find((g: { isDefault: boolean }) => g.isDefault).id;
    await apiCreateUser(api, customer, {
      firstName: 'Pat',
      lastName: 'Parting',
      email: 'pat@northwind.test',
      jobTitle: 'Buyer',
      groupIds: [defaultGroup, ...groups],
    });
    await apiCreateUser(api, customer, {
      firstName: 'Quinn',
      lastName: 'Later',
      email: 'quinn@northwind.test',
    });
    await apiCreateUser(api, customer, {
      firstName: 'Hana',
      lastName: 'Desk',
      email: 'hana@northwind.test',
      roleIds: [await roleId(api, customer, 'help_desk')],
    });
    // from here on the server's clock is the morning of the leave date; everyone signs in then
    server.testApp.clock.set(new Date(`${LEAVE}T08:50:00Z`));
    browser = await launch();
    admin = await browser.newPage({ viewport: { width: 1440, height: 960 } });
    desk = await browser.newPage({ viewport: { width: 1440, height: 960 } });
    for (const p of [admin, desk]) p.on('pageerror', (e) => errors.push(e.message));
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('builds, publishes, offboards with the preview, and shows the steps as they complete', async () => {
    await signInThroughPage(
      admin,
      server.url,
      server.admin.tenant,
      server.admin.login,
      server.admin.password,
    );
    await admin.getByRole('link', { name: 'User flows' }).click();
    await admin.getByRole('button', { name: 'New template' }).click();
    await admin.locator('input[name=template-name]').fill('Leaver, standard');
    // step 1: the default suspend step, at 09:00 on the leave date
    await admin.locator('input[name=step-time]').fill('09:00');
    // step 2: out of every group but Default, ten minutes later
    await admin.getByRole('button', { name: 'Add step' }).click();
    await admin.getByRole('menuitem', { name: 'Remove from groups' }).click();
    await admin.locator('input[name=step-time]').fill('09:10');
    // step 3: tell IT to collect the laptop
    await admin.getByRole('button', { name: 'Add step' }).click();
    await admin.getByRole('menuitem', { name: 'Send an email' }).click();
    await admin.getByText('An address', { exact: true }).click();
    await admin.locator('input[name=email-address]').fill('it@northwind.test');
    await admin.locator('input[name=email-subject]').fill('Collect the laptop of {{fullName}}');
    await admin.locator('input[name=step-time]').fill('09:20');
    await admin.getByTestId('designer-step-2').waitFor();
    await screenshot(admin, 'flows-01-designer');
    await admin.getByRole('button', { name: 'Create template' }).click();
    await admin.getByText('Version 1').waitFor();
    expect(await admin.getByTestId('designer-timeline').textContent()).toContain('0 d 09:20');

    await admin.getByRole('button', { name: 'Publish…' }).click();
    await admin.getByLabel('Publish to Northwind').check();
    await screenshot(admin, 'flows-02-publish');
    await admin.getByRole('button', { name: 'Publish version 1' }).click();
    await admin.getByTestId('publish-results').getByText('Copy created').waitFor();
    await screenshot(admin, 'flows-03-published');
    await admin.getByRole('button', { name: 'Done' }).click();

    // the customer's Help Desk offboards Pat from the user page, timeline first
    await signInThroughPage(desk, server.url, 'northwind', 'hana@northwind.test', USER_PASSWORD);
    await desk.getByRole('link', { name: 'Parting' }).first().click();
    await desk.getByRole('button', { name: 'Offboard' }).click();
    await desk.locator('input[name=offboard-date]').fill(LEAVE);
    const preview = desk.getByTestId('preview-timeline');
    await preview.getByText('Remove from 2 groups: Sales and VPN').waitFor();
    expect(await preview.textContent()).toContain(`${LEAVE} 09:20 UTC`);
    await screenshot(desk, 'flows-04-offboard-preview');
    await desk.getByRole('button', { name: 'Start offboarding' }).click();
    await desk.getByTestId('run-timeline').waitFor();
    await desk.getByTestId('run-status').getByText('Scheduled').waitFor();
    // Pat's page says so, with the next step and the way back to the run
    await desk.getByRole('heading').getByRole('link', { name: 'Pat Parting' }).click();
    const notice = desk.getByTestId('active-run');
    await notice.getByText(`leaving ${LEAVE}`).waitFor();
    expect(await notice.textContent()).toContain('0 of 3 steps done · next: ');
    await screenshot(desk, 'flows-04b-user-page-run');

    await desk.getByRole('link', { name: 'Flow runs', exact: true }).click();
    const row = desk.getByTestId('run-row-Parting');
    await row.getByText('0 of 3 steps').waitFor();
    // all runs, so the row stays once the run is no longer active
    await desk.locator('label', { hasText: /^All$/ }).click();
    await moveClock(`${LEAVE}T09:00:00Z`);
    await row.getByText('1 of 3 steps').waitFor();
    await screenshot(desk, 'flows-05-monitor-first-step');
    await moveClock(`${LEAVE}T09:10:00Z`);
    await row.getByText('2 of 3 steps').waitFor();
    await moveClock(`${LEAVE}T09:20:00Z`);
    await row.getByText('3 of 3 steps').waitFor();
    await row.getByText('Completed').waitFor();
    await screenshot(desk, 'flows-06-monitor-done');
    await row.getByRole('link', { name: 'Pat Parting' }).click();
    for (const n of [1, 2, 3]) await desk.locator(`[data-testid=run-step-${n}][data-status=done]`).waitFor();
    await desk.getByText('Removed from 2 groups: Sales and VPN').waitFor();
    await screenshot(desk, 'flows-07-run-detail');

    // the provider sees the customer's run in its own monitor, across customers
    await admin.getByRole('link', { name: 'Flow runs', exact: true }).click();
    await admin.locator('label', { hasText: /^Completed$/ }).click();
    await admin.getByTestId('run-row-Parting').getByText('Northwind').waitFor();
    await screenshot(admin, 'flows-08-provider-monitor');
    expect(errors).toEqual([]);
  }, 120_000);

  it('asks before a leave date in the past runs everything at once, and before cancelling a run', async () => {
    // the customer's chosen offboarding starts with a leave date, but not with one long past
    const copy = (await api.get(`/api/v1/tenants/${customer}/flow-templates`)).json().items[0].id;
    await api.put(`/api/v1/tenants/${customer}/flow-settings`, { autoStart: { offboarding: copy } });
    const rae = await apiCreateUser(api, customer, { firstName: 'Rae', lastName: 'Typo' });
    await api.patch(`/api/v1/tenants/${customer}/users/${rae.id}`, { leaveDate: '2026-01-15' });
    await desk.getByRole('link', { name: 'Users', exact: true }).click();
    await desk.getByRole('link', { name: 'Typo' }).first().click();
    const held = desk.getByTestId('held-back-run');
    await held.getByText('did not start on its own').waitFor();
    await screenshot(desk, 'flows-09a-held-back');
    await held.getByRole('button', { name: 'Offboard…' }).click();
    await desk.getByRole('dialog').getByText('This date is in the past').waitFor();
    await desk.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    await api.put(`/api/v1/tenants/${customer}/flow-settings`, { autoStart: { offboarding: null } });

    await desk.getByRole('link', { name: 'Users', exact: true }).click();
    await desk.getByRole('link', { name: 'Later' }).first().click();
    await desk.getByRole('button', { name: 'Offboard' }).click();
    await desk.locator('input[name=offboard-date]').fill('2027-01-15');
    const dialog = desk.getByRole('dialog');
    await dialog.getByText('This date is in the past').waitFor();
    const startButton = dialog.getByRole('button', { name: 'Start offboarding' });
    expect(await startButton.isDisabled()).toBe(true);
    await screenshot(desk, 'flows-09-offboard-past-date');
    await dialog.getByLabel(/Yes, run them now/).check();
    expect(await startButton.isEnabled()).toBe(true);
    // a date still to come instead: no question, and the run is cancelled through a dialog
    await desk.locator('input[name=offboard-date]').fill('2027-09-01');
    await dialog.getByText('This date is in the past').waitFor({ state: 'detached' });
    await startButton.click();
    await desk.getByTestId('run-status').getByText('Scheduled').waitFor();
    await desk.getByRole('button', { name: 'Cancel run' }).click();
    const confirm = desk.getByTestId('confirm-dialog');
    await confirm.getByText('that have not run will never run').waitFor();
    await screenshot(desk, 'flows-10-cancel-run');
    await confirm.getByRole('button', { name: 'Cancel the run' }).click();
    await desk.getByTestId('run-status').getByText('Cancelled').waitFor();

    // a step added to a saved template shows its settings to the one editing it
    await admin.getByRole('link', { name: 'User flows' }).click();
    await admin.getByRole('link', { name: 'Leaver, standard' }).first().click();
    await admin.getByTestId('designer-step-2').waitFor();
    await admin.getByRole('button', { name: 'Add step' }).click();
    await admin.getByRole('menuitem', { name: 'Send an email' }).click();
    await admin.getByText('An address', { exact: true }).click();
    await admin.locator('input[name=email-address]').waitFor();
    expect(await admin.getByTestId('params-hidden').count()).toBe(0);
    expect(errors).toEqual([]);
  }, 120_000);
});
