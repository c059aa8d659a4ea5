import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { describeEachDb } from '../helpers/db';
import { api, createOrgFixture, createTestApp, PASSWORD, type OrgFixture } from '../helpers/app';
import { expectAccessible, launchBrowser } from '../helpers/browser';
import { PNG } from '../documents/fixtures';

// An engineer at the camera with a phone (390×844): open what is due, record the visit with its checklist, the
// firmware seen and a photo, and see the next due date. axe runs on every page visited.

describeEachDb('browser: maintenance visit on a phone', (db) => {
  let app: FastifyInstance;
  let browser: Browser;
  let page: Page;
  let base: string;
  let org: OrgFixture;
  let assetId: string;
  let filesDir: string;

  beforeAll(async () => {
    filesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sightline-files-')); // the visit's photo is stored here
    app = await createTestApp(db(), { SIGHTLINE_FILES_DIR: filesDir });
    org = await createOrgFixture(db(), 'kettering');
    const site = (await api(app, org.tokens.manager, 'POST', '/api/v1/sites', { name: 'Bus station' })).json.id;
    assetId = (await api(app, org.tokens.manager, 'POST', '/api/v1/assets', { kind: 'camera', manufacturer: 'Axis', model: 'P3245-LVE', serial: 'AX-77', location: 'Stand C', siteId: site })).json.id;
    await api(app, org.tokens.manager, 'POST', '/api/v1/maintenance/schedules', {
      title: 'Monthly camera check', target: { type: 'site', id: site }, rrule: 'FREQ=MONTHLY', startDate: '2025-01-10',
      assigneeUserId: org.users.engineer.id, checklist: ['picture-quality', 'field-of-view', 'time-sync', 'cleaning'], leadDays: 7,
    });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchBrowser();
    // (axe needs scripts in the page, so JavaScript stays on here; the forms use none: the other maintenance tests
    // post them as plain HTML forms.)
    page = await (await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })).newPage();
    await page.goto(`${base}/sign-in`);
    await page.getByLabel('Email address').fill(org.users.engineer.email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/o/kettering`);
  });
  afterAll(async () => { await browser?.close(); await app?.close(); fs.rmSync(filesDir, { recursive: true, force: true }); });

  const fitsTheScreen = async () => expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

  it('records a visit with its checklist from the due list', async () => {
    await page.goto(`${base}/o/kettering/maintenance`);
    await expectAccessible(page);
    await fitsTheScreen();
    const overdue = page.locator('li', { has: page.getByRole('link', { name: 'Monthly camera check' }) }).first();
    expect(await overdue.innerText()).toMatch(/Overdue/);
    await overdue.getByRole('link', { name: /Record visit/ }).click();
    await page.waitForURL(/\/maintenance\/visits\/new\?schedule=/);
    await expectAccessible(page);
    await fitsTheScreen();

    // Nothing is pre-set (an untouched form must not record a completed visit): say it is done, and when.
    expect(await page.getByRole('group', { name: 'Is the visit done or planned?' }).getByLabel('Done').isChecked()).toBe(false);
    await page.getByRole('group', { name: 'Is the visit done or planned?' }).getByLabel('Done').check();
    const [year, month, day] = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(new Date()).split('-');
    await page.getByLabel('Day').fill(String(Number(day)));
    await page.getByLabel('Month').fill(String(Number(month)));
    await page.getByLabel('Year').fill(year);
    await page.getByRole('group', { name: 'Picture quality' }).getByLabel('Pass').check();
    await page.getByRole('group', { name: 'Field of view' }).getByLabel('Fail').check();
    await page.getByLabel('Note on field of view (optional)').fill('Stand C camera knocked off aim');
    await page.getByRole('group', { name: 'Time synchronisation' }).getByLabel('Pass').check();
    await page.getByRole('group', { name: 'Cleaning' }).getByLabel('Not applicable').check();
    await page.getByLabel('Faults found (optional)').fill('Re-aim Stand C camera');
    await page.getByLabel('Asset', { exact: true }).selectOption(assetId);
    await page.getByLabel('Firmware version seen').fill('10.12.153');
    await page.getByRole('group', { name: 'Asset status' }).getByLabel('Faulty').check();
    await page.getByLabel('Photo or report (optional)').setInputFiles({ name: 'stand-c.png', mimeType: 'image/png', buffer: PNG });
    await page.getByRole('button', { name: 'Save visit' }).click();

    await page.waitForURL(/\/maintenance\/visits\/[0-9a-f-]{36}$/);
    await expectAccessible(page);
    await fitsTheScreen();
    const body = await page.locator('main').innerText();
    expect(body).toContain('Visit recorded; next due');
    expect(body).toMatch(/Field of view:\s*Fail – Stand C camera knocked off aim/);
    expect(body).toContain('firmware 10.12.153, status faulty');
    expect(body).toContain('Photos and reports');

    const asset = await api(app, org.tokens.viewer, 'GET', `/api/v1/assets/${assetId}`);
    expect(asset.json).toMatchObject({ firmware: '10.12.153', status: 'faulty' });
  });

  it('shows the errors first when the date is missing, keeping what was typed', async () => {
    await page.goto(`${base}/o/kettering/maintenance/visits/new`);
    await page.getByRole('group', { name: 'Picture quality' }).getByLabel('Fail').check();
    await page.getByLabel('Day').fill('');
    await page.getByLabel('Month').fill('');
    await page.getByLabel('Year').fill('');
    await page.getByRole('button', { name: 'Save visit' }).click();
    await expectAccessible(page);
    const summary = page.locator('.govuk-error-summary');
    expect(await summary.innerText()).toMatch(/visit date/i);
    expect(await page.getByRole('group', { name: 'Picture quality' }).getByLabel('Fail').isChecked()).toBe(true);
  });

  it('keeps the other maintenance pages accessible and phone-sized', async () => {
    for (const path of ['/maintenance', '/o/kettering/maintenance/schedules', '/o/kettering/maintenance/visits', '/o/kettering/maintenance/calendar', '/o/kettering/maintenance/report']) {
      await page.goto(base + path);
      await expectAccessible(page);
      await fitsTheScreen();
    }
    await page.goto(`${base}/o/kettering/maintenance/calendar`);
    await page.getByRole('button', { name: 'Make a calendar feed' }).click();
    await expectAccessible(page);
    expect(await page.getByLabel(/Calendar address/).inputValue()).toMatch(/\/calendar\/slcal_[A-Za-z0-9_-]+\.ics$/);
  });
});
