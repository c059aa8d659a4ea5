import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeEachDb } from '../helpers/db';
import { api, createOrgFixture, createTestApp, PASSWORD, type OrgFixture } from '../helpers/app';
import { expectAccessible, launchBrowser } from '../helpers/browser';
import { NETWORK, REGISTER, report } from '../discovery/server-fixtures';

// An engineer reviews an uploaded scan in a real browser: Discovery home, the run's reconciliation, one click to add a
// device found on the network to the register. axe runs on every page visited.

describeEachDb('browser: discovery reconciliation', (db) => {
  let app: FastifyInstance;
  let browser: Browser;
  let page: Page;
  let base: string;
  let org: OrgFixture;

  beforeAll(async () => {
    app = await createTestApp(db(), { DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'sl-disc-e2e-')) });
    org = await createOrgFixture(db(), 'lowestoft');
    await api(app, org.tokens.admin, 'POST', '/api/v1/discovery/ranges', { cidr: '10.20.0.0/16', label: 'CCTV VLAN' });
    for (const a of [REGISTER.axis, REGISTER.gone]) await api(app, org.tokens.engineer, 'POST', '/api/v1/assets', a);
    const up = await api(app, org.tokens.engineer, 'POST', '/api/v1/discovery/runs', report(['10.20.1.0/24'], [NETWORK.axis(), NETWORK.hikvision(), NETWORK.outOfRange()]));
    expect(up.status).toBe(201);
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchBrowser();
    page = await (await browser.newContext()).newPage();
    await page.goto(`${base}/sign-in`);
    await page.getByLabel('Email address').fill(org.users.engineer.email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/o/lowestoft`);
  });
  afterAll(async () => { await browser?.close(); await app?.close(); });

  it('goes from Discovery to a run and adds a new device to the register with one click', async () => {
    await page.goto(`${base}/o/lowestoft/discovery`);
    await expectAccessible(page);
    expect(await page.locator('h1').innerText()).toBe('Discovery');
    await page.locator('a[href*="/discovery/runs/"]').first().click();
    await page.waitForURL(/\/discovery\/runs\/[0-9a-f-]{36}$/);
    await expectAccessible(page);
    expect(await page.locator('#new').innerText()).toContain('Found on the network, not in the register (1)');
    expect(await page.locator('.govuk-details').innerText()).toContain('1 device refused');

    await page.getByRole('button', { name: 'Add to register for 10.20.1.20' }).click();
    await page.waitForURL(/\/discovery\/runs\/[0-9a-f-]{36}#item-/);
    await expectAccessible(page);
    expect(await page.locator('.govuk-notification-banner').innerText()).toMatch(/Added camera HIKVISION DS-2CD2047G2-L/);
    expect(await page.getByRole('button', { name: 'Add to register for 10.20.1.20' }).count()).toBe(0);

    await page.getByRole('link', { name: 'View asset for 10.20.1.20' }).click();
    await page.waitForURL(/\/assets\/[0-9a-f-]{36}$/);
    await expectAccessible(page);
    expect(await page.locator('#provenance + p').innerText()).toContain('Hikvision');
  });

  it('marks a register entry missing from the same page', async () => {
    await page.goBack();
    await page.getByRole('button', { name: 'Mark missing for 10.20.1.12' }).click();
    await page.waitForURL(/#item-/);
    await expectAccessible(page);
    expect(await page.locator('#missing').innerText()).toContain('1 done');
  });

  it('shows the settings pages accessibly', async () => {
    for (const p of ['ranges', 'schedules']) {
      await page.goto(`${base}/o/lowestoft/discovery/${p}`);
      await expectAccessible(page);
    }
    expect(await page.locator('body').innerText()).not.toContain('Add a schedule'); // engineers see, admins change
  });

  it('lets an admin store a credential, fixing an error first, without the password ever coming back', async () => {
    const admin = await (await browser.newContext()).newPage();
    await admin.goto(`${base}/sign-in`);
    await admin.getByLabel('Email address').fill(org.users.admin.email);
    await admin.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await admin.getByRole('button', { name: 'Sign in' }).click();
    await admin.waitForURL(`${base}/o/lowestoft`);
    await admin.goto(`${base}/o/lowestoft/discovery/credentials`);
    await expectAccessible(admin);
    await admin.getByLabel('Name', { exact: true }).fill('Depot cameras');
    await admin.getByLabel('User name').fill('onvif-audit');
    await admin.getByLabel('Password', { exact: true }).fill('Depot-Pa55word!');
    await admin.getByRole('button', { name: 'Save credential' }).click();
    await expect.poll(() => admin.locator('.govuk-error-summary').innerText()).toContain('Choose at least one allowed range');
    await expectAccessible(admin);
    expect(await admin.getByLabel('Password', { exact: true }).inputValue()).toBe('');
    await admin.getByLabel('10.20.0.0/16 – CCTV VLAN').check();
    await admin.getByLabel('Password', { exact: true }).fill('Depot-Pa55word!');
    await admin.getByRole('button', { name: 'Save credential' }).click();
    await expect.poll(() => admin.locator('.govuk-notification-banner').innerText()).toContain('cannot be shown again');
    await expectAccessible(admin);
    expect(await admin.content()).not.toContain('Depot-Pa55word!');
    for (const p of ['ranges', 'schedules']) {
      await admin.goto(`${base}/o/lowestoft/discovery/${p}`);
      await expectAccessible(admin);
    }
  });
});
