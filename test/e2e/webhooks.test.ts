import { createHmac } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launch, screenshot, signInThroughPage } from '../helpers/browser.ts';
import { apiCreateUser } from '../helpers/fixtures.ts';
import { startTestServer } from '../helpers/server.ts';
import { type ReceivedWebhook, startWebhookReceiver } from '../helpers/webhook-receiver.ts';

/**
 * The Webhooks page: an endpoint added (a refused address named under the field), the signing
 * secret revealed, a real owner change delivered to a real receiver and shown as delivered, the
 * secret rotated, the endpoint edited and deleted.
 */
describe.skipIf(!hasChromium)('console: webhooks', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  let T: string;
  let workflow: { id: string };
  const people: Record<string, { id: string }> = {};

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    server = await startTestServer();
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on('pageerror', (e) => errors.push(e.message));
    const api = server.testApp.admin;
    T = `/api/v1/tenants/${server.testApp.providerId}`;
    for (const first of ['Hanna', 'Lukas']) {
      people[first] = await apiCreateUser(api, server.testApp.providerId, {
        firstName: first,
        lastName: 'Vogel',
        email: `${first.toLowerCase()}@msp.test`,
      });
    }
    workflow = (
      await api.post(`${T}/resources`, {
        type: 'workflow',
        externalId: 'onboarding-checklist',
        name: 'Onboarding checklist',
        ownerId: people.Hanna!.id,
      })
    ).json();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await receiver?.close();
  });

  const signedWith = (secret: string, hit: ReceivedWebhook) =>
    hit.headers['rollcall-signature'] ===
    `v1=${createHmac('sha256', secret).update(`${hit.headers['rollcall-timestamp']}.${hit.body}`).digest('hex')}`;

  async function changeOwner(to: string) {
    const res = await server.testApp.admin.post(`${T}/ownerships/workflow/${workflow.id}/owner`, {
      ownerId: people[to]!.id,
    });
    expect(res.statusCode, res.body).toBe(200);
    return receiver.waitFor((w) => JSON.parse(w.body).data?.owner?.id === people[to]!.id);
  }

  it('adds an endpoint, delivers a signed owner change to it, rotates the secret and deletes it', async () => {
    await signInThroughPage(page, server.url, server.admin.tenant, server.admin.login, server.admin.password);
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('heading', { name: 'Webhooks', exact: true }).waitFor();
    await page.getByText('No endpoints yet').waitFor();
    await page.getByText('Nothing sent yet').waitFor();
    await screenshot(page, 'webhooks-01-empty');

    // a private address is refused, and the dialog says so under the URL
    await page.getByTestId('add-webhook-endpoint').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Endpoint URL').fill('http://10.0.0.5/rollcall');
    await dialog.getByLabel('Description').fill('Dispatcher – ticket routing');
    // the only event there is comes ticked, with what triggers it
    expect(await dialog.getByRole('checkbox', { name: 'resource.owner_changed' }).isChecked()).toBe(true);
    await dialog.getByText(/gets a new owner/).waitFor();
    await dialog.getByRole('button', { name: 'Add endpoint' }).click();
    await dialog.getByText(/10\.0\.0\.5 is a private or reserved address/).waitFor();
    expect(await dialog.getByTestId('error-alert').count()).toBe(0);
    await screenshot(page, 'webhooks-02-address-refused');

    await dialog.getByLabel('Endpoint URL').fill(`${receiver.url}/rollcall`);
    await dialog.getByRole('button', { name: 'Add endpoint' }).click();
    const row = page.getByTestId('webhook-endpoint-row');
    await row.getByText(`${receiver.url}/rollcall`).waitFor();
    await row.getByText('None yet').waitFor();
    await row.getByText('Dispatcher – ticket routing').waitFor();
    await screenshot(page, 'webhooks-03-endpoint-added');

    // the secret stays hidden until asked for; asking is audited
    const card = page.getByTestId('webhook-secret-card');
    expect(await page.getByTestId('webhook-secret').count()).toBe(0);
    await card.getByRole('button', { name: 'Reveal' }).click();
    const secret = (await page.getByTestId('webhook-secret').textContent())!.trim();
    expect(secret).toMatch(/^whsec_/);
    const audit = (await server.testApp.admin.get(`${T}/audit?action=webhook.secret_revealed`)).json();
    expect(audit.items).toHaveLength(1);
    await card.scrollIntoViewIfNeeded();
    await screenshot(page, 'webhooks-04-secret-revealed');

    // a real owner change reaches the receiver, signed as the page explains
    const hit = await changeOwner('Lukas');
    expect(hit.path).toBe('/rollcall');
    expect(hit.headers['rollcall-event']).toBe('resource.owner_changed');
    expect(signedWith(secret, hit)).toBe(true);
    const deliveries = page.getByTestId('webhook-deliveries');
    await expect
      .poll(
        async () => {
          await page.getByTestId('refresh-deliveries').click();
          return deliveries.getByText('Delivered', { exact: true }).count();
        },
        { timeout: 10_000, interval: 500 },
      )
      .toBe(1);
    const delivery = page.getByTestId('webhook-delivery-row');
    await delivery.getByText('resource.owner_changed').waitFor();
    await delivery.getByText('HTTP 200').waitFor();
    await row.getByTestId('webhook-last-delivery').getByText('Delivered', { exact: true }).waitFor();
    await deliveries.scrollIntoViewIfNeeded();
    await screenshot(page, 'webhooks-05-delivered');

    // rotating asks first, then shows the new secret, which signs from then on
    await card.getByRole('button', { name: 'Rotate secret' }).click();
    const confirm = page.getByTestId('confirm-dialog');
    await confirm.getByText(/Receivers that still check with the old secret/).waitFor();
    await screenshot(page, 'webhooks-06-rotate-confirm');
    await confirm.getByRole('button', { name: 'Rotate secret' }).click();
    await card.getByText('This is the new secret').waitFor();
    const rotated = (await page.getByTestId('webhook-secret').textContent())!.trim();
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(secret);
    await card.scrollIntoViewIfNeeded();
    await screenshot(page, 'webhooks-07-rotated');
    const second = await changeOwner('Hanna');
    expect(signedWith(rotated, second)).toBe(true);
    expect(signedWith(secret, second)).toBe(false);

    // edited in the same dialog, with its saved values
    await row.scrollIntoViewIfNeeded();
    await row.getByRole('button', { name: /^Edit / }).click();
    expect(await dialog.getByLabel('Endpoint URL').inputValue()).toBe(`${receiver.url}/rollcall`);
    await dialog.getByLabel('Description').fill('Dispatcher (production)');
    await dialog.getByRole('button', { name: 'Save endpoint' }).click();
    await row.getByText('Dispatcher (production)').waitFor();

    // deleting asks in the console's dialog; past deliveries stay listed
    await row.getByRole('button', { name: /^Delete / }).click();
    await confirm.getByText(/receives no new events/).waitFor();
    await screenshot(page, 'webhooks-08-delete-confirm');
    await confirm.getByRole('button', { name: 'Delete endpoint' }).click();
    await page.getByText('No endpoints yet').waitFor();
    await page.getByTestId('refresh-deliveries').click();
    await deliveries.getByText('endpoint since deleted').first().waitFor();
    expect((await server.testApp.admin.get(`${T}/webhooks`)).json().items).toEqual([]);
    await deliveries.scrollIntoViewIfNeeded();
    await screenshot(page, 'webhooks-09-deleted');
    expect(errors).toEqual([]);
  });
});
