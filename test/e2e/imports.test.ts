import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launch, screenshot, signInThroughPage } from '../helpers/browser.ts';
import { startTestServer } from '../helpers/server.ts';

/**
 * The import wizard in a real browser: a CSV without a header row, each column mapped with the
 * dropdown over it, the dry run's row errors (every problem of a row), the welcome email ticked,
 * the import with its progress, the report downloaded; then the Export button on the users page.
 */
const CSV = [
  'Marta,Schmidt,marta.schmidt@acme.test,Sales',
  'Ben,,not-an-email,Sales',
  'Cleo,Ray,cleo.ray@acme.test,Astronauts',
  '"Dan, Jr.",Wu,dan.wu@acme.test,',
].join('\n');

describe.skipIf(!hasChromium)('console: CSV import and export', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
    page.on('pageerror', (e) => errors.push(e.message));
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const pick = async (column: number, option: string) => {
    await page.getByTestId(`column-${column}`).click();
    await page.getByRole('option', { name: option, exact: true }).click();
  };

  it('maps a headerless file, shows the dry run’s row errors, imports and downloads the report', async () => {
    const tenantId = server.testApp.providerId;
    await server.testApp.admin.post(`/api/v1/tenants/${tenantId}/groups`, { name: 'Sales' });
    await signInThroughPage(page, server.url, server.admin.tenant, server.admin.login, server.admin.password);
    await page.getByRole('link', { name: 'Import' }).click();
    await page.getByRole('heading', { name: 'Import users' }).waitFor();
    await page.locator('input[type=file]').setInputFiles({
      name: 'new-staff.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(CSV),
    });
    await screenshot(page, 'import-01-upload');
    await page.getByRole('button', { name: 'Upload', exact: true }).click();

    // no header row: the checkbox starts cleared and every column is ours to name
    const header = page.getByTestId('has-header');
    await header.waitFor();
    expect(await page.getByLabel('Use first row of .csv file as column headers').isChecked()).toBe(false);
    // one count of rows everywhere: the header says what the button checks
    expect(await page.getByTestId('row-count').textContent()).toBe('4 data rows');
    expect(await page.getByTestId('dry-run').textContent()).toBe('Check 4 data rows');
    expect(await page.getByTestId('more-rows').count()).toBe(0);
    await pick(0, 'First name');
    await pick(1, 'Last name');
    await pick(2, 'Email');
    await pick(3, 'Groups');
    await screenshot(page, 'import-02-mapping');
    await page.getByTestId('dry-run').click();

    const rowErrors = page.getByTestId('row-errors');
    await rowErrors.waitFor();
    // a row with two problems lists both
    await rowErrors.getByText('• Last name is required.').waitFor();
    await rowErrors.getByText('• “not-an-email” is not an email address.').waitFor();
    await rowErrors.getByText('No group named “Astronauts” in this tenant.').waitFor();
    expect(await page.getByTestId('import-summary').textContent()).toMatch(
      /2 would be created[\s\S]*2 with errors/i,
    );
    await screenshot(page, 'import-03-dry-run');

    // the importer chooses how the new users get in: here, a link to choose their password
    const welcome = page.getByTestId('welcome-choice');
    await welcome.scrollIntoViewIfNeeded();
    expect(await welcome.getByLabel('Don’t email them').isChecked()).toBe(true);
    await welcome.getByLabel('Email each a link to choose their password').check();
    await screenshot(page, 'import-03b-welcome');

    await page.getByTestId('start-import').click();
    await page.getByTestId('download-report').waitFor();
    expect(await page.getByTestId('progress-text').textContent()).toBe('4 of 4 rows');
    expect(await page.getByTestId('import-summary').textContent()).toMatch(/2 created[\s\S]*2 failed/i);
    // the finished import ticks its last step as well
    const steps = page.getByTestId('import-steps').locator('.mantine-Stepper-step');
    expect(await steps.nth(3).getAttribute('data-completed')).toBe('true');
    await page.getByTestId('welcome-sent').waitFor();
    await screenshot(page, 'import-04-done');
    const welcomed = await server.testApp.ownerQuery(
      `select to_address from outbox where kind = 'import_welcome' order by to_address`,
    );
    expect(welcomed.rows.map((r) => r.to_address)).toEqual(['dan.wu@acme.test', 'marta.schmidt@acme.test']);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('download-report').click(),
    ]);
    expect(download.suggestedFilename()).toBe('new-staff-report.csv');
    const report = (await readFile((await download.path())!, 'utf8'))
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(report[0]).toBe('row,outcome,user_id,login,code,reason');
    expect(report.map((l) => l.split(',').slice(0, 2).join(','))).toEqual([
      'row,outcome',
      '1,created',
      '2,failed',
      '3,failed',
      '4,created',
    ]);

    // the imported users are on the users page; Export downloads the list as shown
    await page.getByRole('link', { name: 'Go to users' }).click();
    await page.getByRole('link', { name: 'Schmidt' }).waitFor();
    await page.getByTestId('export-users').click();
    await page.getByTestId('export-download').waitFor();
    await screenshot(page, 'import-05-export');
    const [exported] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('export-download').click(),
    ]);
    const csv = await readFile((await exported.path())!, 'utf8');
    expect(csv).toContain('Marta,Schmidt,marta.schmidt@acme.test');
    expect(csv).toContain('"Dan, Jr.",Wu,dan.wu@acme.test');

    // a longer file with a header row: the preview says how many rows it leaves out
    await page.getByRole('link', { name: 'Import' }).click();
    const staff = [
      'First Name;Last Name;E-mail',
      ...Array.from({ length: 11 }, (_, i) => `Person;Number${i + 1};person${i + 1}@acme.test`),
    ].join('\n');
    await page.locator('input[type=file]').setInputFiles({
      name: 'staff.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(staff),
    });
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.getByTestId('has-header').waitFor();
    expect(await page.getByTestId('row-count').textContent()).toBe('12 rows: a header and 11 data rows');
    expect(await page.getByTestId('more-rows').textContent()).toBe(
      'The first 9 of 11 data rows, and 2 more rows not shown here; the check reads them all.',
    );
    expect(await page.getByTestId('dry-run').textContent()).toBe('Check 11 data rows');
    await screenshot(page, 'import-06-longer-file');
    expect(errors).toEqual([]);
  }, 120_000);
});
