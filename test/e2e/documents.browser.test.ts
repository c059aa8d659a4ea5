import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { describeEachDb } from '../helpers/db';
import { api, createOrgFixture, createTestApp, PASSWORD, type OrgFixture } from '../helpers/app';
import { expectAccessible, launchBrowser } from '../helpers/browser';
import { PDF } from '../documents/fixtures';

// Keeping the evidence: upload a policy (fixing a mistake on the way), find it in the list, open it and
// download it. axe runs on every page visited.

describeEachDb('browser: documents', (db) => {
  let app: FastifyInstance;
  let browser: Browser;
  let page: Page;
  let base: string;
  let org: OrgFixture;
  let filesDir: string;

  beforeAll(async () => {
    filesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sightline-files-'));
    app = await createTestApp(db(), { SIGHTLINE_FILES_DIR: filesDir });
    org = await createOrgFixture(db(), 'ashford');
    await api(app, org.tokens.manager, 'POST', '/api/v1/sites', { name: 'Ashford Library' });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchBrowser();
    page = await (await browser.newContext()).newPage();
  });
  afterAll(async () => { await browser?.close(); await app?.close(); fs.rmSync(filesDir, { recursive: true, force: true }); });

  const visit = async (p: string) => { await page.goto(base + p); await expectAccessible(page); };

  it('uploads a document, sees it listed, opens it and downloads it', async () => {
    await visit('/sign-in');
    await page.getByLabel('Email address').fill(org.users.engineer.email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/o/ashford`);

    await visit('/o/ashford/documents');
    expect(await page.locator('main').innerText()).toContain('No documents match these filters.');
    await page.getByRole('button', { name: 'Upload a document' }).click();
    await page.waitForURL(/\/documents\/new$/);
    await expectAccessible(page);

    // Forgetting the file and the category: both named in the summary, each linking to its field.
    await page.getByRole('button', { name: 'Upload document' }).click();
    await expect.poll(() => page.locator('.govuk-error-summary').isVisible()).toBe(true);
    await expectAccessible(page);
    const summary = await page.locator('.govuk-error-summary').innerText();
    expect(summary).toContain('Select a file to upload');
    expect(summary).toContain('Choose a category');
    await page.locator('.govuk-error-summary a[href="#file"]').click();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('file');

    await page.setInputFiles('#file', { name: 'CCTV policy.pdf', mimeType: 'application/pdf', buffer: PDF });
    await page.getByLabel('Category').selectOption({ label: 'Policy' });
    await page.getByLabel('Attach to').selectOption({ label: 'Site: Ashford Library' });
    await page.getByLabel('Tags (optional)').fill('annual review');
    await page.locator('#reviewDate-day').fill('31');
    await page.locator('#reviewDate-month').fill('3');
    await page.locator('#reviewDate-year').fill('2027');
    await page.getByRole('button', { name: 'Upload document' }).click();
    await page.waitForURL(/\/documents\/[0-9a-f-]{36}$/);
    await expectAccessible(page);
    expect(await page.locator('.govuk-notification-banner').innerText()).toContain('CCTV policy');
    expect(await page.locator('.govuk-summary-list').innerText()).toContain('31 March 2027');

    await visit('/o/ashford/documents');
    const row = page.locator('tbody tr');
    expect(await row.count()).toBe(1);
    expect(await row.innerText()).toContain('Ashford Library');
    await page.getByRole('link', { name: 'CCTV policy' }).click();
    await page.waitForURL(/\/documents\/[0-9a-f-]{36}$/);
    await expectAccessible(page);

    // Changing the details is a plain form too.
    await page.getByRole('button', { name: 'Change details' }).click();
    await page.waitForURL(/\/edit$/);
    await expectAccessible(page);
    await page.getByLabel('Tags (optional)').fill('annual review, library');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForURL(/\/documents\/[0-9a-f-]{36}$/);
    expect(await page.locator('.govuk-summary-list').innerText()).toContain('library');

    // The download link, fetched with the browser's own session: the same bytes, offered as an attachment.
    const href = await page.getByRole('link', { name: 'Download CCTV policy.pdf' }).getAttribute('href');
    const res = await page.request.get(base + href);
    expect(res.status()).toBe(200);
    expect(res.headers()['content-disposition']).toContain('filename="CCTV policy.pdf"');
    expect((await res.body()).equals(PDF)).toBe(true);
  }, 180_000);
});
