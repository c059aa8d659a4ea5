import fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { describeEachDb } from '../helpers/db';
import { createOrgFixture, createTestApp, PASSWORD, type OrgFixture } from '../helpers/app';
import { expectAccessible, launchBrowser } from '../helpers/browser';
import { MESSY_CSV, tempDir } from '../imports/files';

// Bringing a register in through the pages: upload, correct a column choice, check, confirm the new sites,
// and see the result, with the status page updating itself while the background jobs run. axe on every page.

describeEachDb('browser: imports', (db) => {
  let app: FastifyInstance;
  let browser: Browser;
  let page: Page;
  let base: string;
  let org: OrgFixture;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = tempDir();
    app = await createTestApp(db(), { DATA_DIR: dataDir });
    org = await createOrgFixture(db(), 'kentish');
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchBrowser();
    page = await (await browser.newContext()).newPage();
  });
  afterAll(async () => { await browser?.close(); await app?.close(); fs.rmSync(dataDir, { recursive: true, force: true }); });

  const visit = async (p: string) => { await page.goto(base + p); await expectAccessible(page); };
  /**
   * A waiting page reloads itself every few seconds, which would pull the page from under axe: axe checks the same
   * page with automatic updates switched off (the page's own link), then the test goes back to the updating one.
   */
  const checkWhileWaiting = async (runUrl: string) => {
    await page.getByRole('link', { name: 'Stop updating automatically' }).click();
    await page.waitForURL(/auto=0$/);
    await expectAccessible(page);
    expect(await page.locator('main').innerText()).toContain('Check progress again');
    await page.goto(runUrl);
  };

  it('uploads a spreadsheet, matches its columns, checks it, confirms and sees the result', async () => {
    await visit('/sign-in');
    await page.getByLabel('Email address').fill(org.users.manager.email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/o/kentish`);

    await visit('/o/kentish/assets');
    await page.getByRole('link', { name: 'Import a spreadsheet' }).click();
    await page.waitForURL(/\/imports$/);
    await expectAccessible(page);

    // Uploading nothing: the error summary links to the file field.
    await page.getByRole('button', { name: 'Upload and match columns' }).click();
    await expect.poll(() => page.locator('.govuk-error-summary').isVisible()).toBe(true);
    await expectAccessible(page);
    expect(await page.locator('.govuk-error-summary').innerText()).toContain('Select a spreadsheet to upload');

    await page.setInputFiles('#file', MESSY_CSV);
    await page.getByRole('button', { name: 'Upload and match columns' }).click();
    await page.waitForURL(/\/mapping$/);
    await expectAccessible(page);
    expect(await page.getByLabel('Field for “Make”').inputValue()).toBe('manufacturer');
    expect(await page.getByLabel('Field for “Building”').inputValue()).toBe('site');
    // The person decides the camera name is a note, not the location.
    await page.getByLabel('Field for “Camera name”').selectOption({ label: 'Notes' });
    await page.getByRole('button', { name: 'Check the file' }).click();
    await page.waitForURL(/\/imports\/[0-9a-f-]+$/);
    const runUrl = page.url();
    expect(await page.locator('main').innerText()).toContain('Checking the file');
    await checkWhileWaiting(runUrl);

    // The page refreshes itself (no script needed) and shows the check's result once the job has run.
    await app.deps.jobs.drain();
    await page.waitForSelector('text=Check the import', { timeout: 15_000 });
    await expectAccessible(page);
    const main = await page.locator('main').innerText();
    expect(main).toContain('Café Nero Unit');
    expect(main).toMatch(/Assets to add\s+6/);

    // Forgetting to confirm the new sites: the error summary says so and links to the checkbox.
    await page.getByRole('button', { name: 'Import 6 rows' }).click();
    await expect.poll(() => page.locator('.govuk-error-summary').isVisible()).toBe(true);
    await expectAccessible(page);
    expect(await page.locator('.govuk-error-summary').innerText()).toContain('Confirm that the 3 new sites should be created');
    await page.locator('.govuk-error-summary a[href="#createSites"]').click();
    await page.getByLabel('Create these sites').check();
    await page.getByRole('button', { name: 'Import 6 rows' }).click();
    await page.waitForSelector('text=Importing the file');
    await checkWhileWaiting(runUrl);
    await app.deps.jobs.drain();
    await page.waitForSelector('text=Spreadsheet imported', { timeout: 15_000 });
    await expectAccessible(page);
    expect(await page.locator('.govuk-panel').innerText()).toContain('6 added, 0 updated, 0 unchanged');

    await page.getByRole('link', { name: 'Go to the assets' }).click();
    await page.waitForURL(/\/assets$/);
    await expectAccessible(page);
    expect(await page.locator('main').innerText()).toContain('6 assets');
  }, 120_000);
});
