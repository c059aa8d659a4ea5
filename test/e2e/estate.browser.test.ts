import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { describeEachDb } from '../helpers/db';
import { createOrgFixture, createTestApp, PASSWORD, type OrgFixture } from '../helpers/app';
import { expectAccessible, launchBrowser } from '../helpers/browser';

// A person's first session with the register, in a real browser: sign in, add a site and an asset, find it again.
// axe runs on every page visited.

describeEachDb('browser: estate register', (db) => {
  let app: FastifyInstance;
  let browser: Browser;
  let page: Page;
  let base: string;
  let org: OrgFixture;

  beforeAll(async () => {
    app = await createTestApp(db());
    org = await createOrgFixture(db(), 'kingsbury');
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchBrowser();
    page = await (await browser.newContext()).newPage();
  });
  afterAll(async () => { await browser?.close(); await app?.close(); });

  const visit = async (path: string) => { await page.goto(base + path); await expectAccessible(page); };

  it('signs in, with an accessible error for a wrong password first', async () => {
    await visit('/sign-in');
    await page.getByLabel('Email address').fill(org.users.manager.email);
    await page.getByLabel('Password', { exact: true }).fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.locator('.govuk-error-summary').isVisible()).toBe(true);
    await expectAccessible(page);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/o/kingsbury`);
    await expectAccessible(page);
    expect(await page.locator('h1').innerText()).toContain('kingsbury council');
  });

  it('adds a sensitive site, fixing an error on the way', async () => {
    await visit('/o/kingsbury/sites');
    await page.getByRole('button', { name: 'Add a site' }).click();
    await page.waitForURL(/\/sites\/new$/);
    await expectAccessible(page);
    await page.getByLabel('Site name').fill('Kingsbury Town Hall');
    await page.getByLabel('Postcode (optional)').fill('KB1 1TH');
    await page.getByLabel('Yes').check();
    await page.getByRole('button', { name: 'Save site' }).click();
    // The reason is required for a sensitive site: the summary says so and links to the field.
    await expect.poll(() => page.locator('.govuk-error-summary').innerText()).toContain('Give the reason the site is sensitive');
    await expectAccessible(page);
    await page.getByLabel('If it is sensitive, why?').fill('Houses the council’s data centre');
    await page.getByRole('button', { name: 'Save site' }).click();
    await page.waitForURL(/\/sites\/[0-9a-f-]{36}$/);
    await expectAccessible(page);
    expect(await page.locator('.govuk-notification-banner').innerText()).toContain('Kingsbury Town Hall');
    expect(await page.locator('.govuk-summary-list').innerText()).toContain('KB1 1TH');
  });

  it('adds assets and finds one again with the filters', async () => {
    for (const [make, model, serial] of [['Hikvision', 'DS-2CD2143G2-I', 'HK-1'], ['Axis', 'P3245-LVE', 'AX-1']]) {
      await visit('/o/kingsbury/assets/new');
      await page.getByLabel('Kind of asset').selectOption({ label: 'Camera' });
      await page.getByLabel('Manufacturer (optional)').fill(make);
      await page.getByLabel('Model (optional)').fill(model);
      await page.getByLabel('Serial number (optional)').fill(serial);
      await page.getByLabel('MAC address (optional)').fill(make === 'Axis' ? '00408c123456' : '44-19-b6-aa-bb-cc');
      await page.getByLabel('Site', { exact: true }).selectOption({ label: 'Kingsbury Town Hall' });
      await page.locator('#installDate-day').fill('14');
      await page.locator('#installDate-month').fill('6');
      await page.locator('#installDate-year').fill('2021');
      await page.getByRole('button', { name: 'Save asset' }).click();
      await page.waitForURL(/\/assets\/[0-9a-f-]{36}$/);
      await expectAccessible(page);
      expect(await page.locator('.govuk-summary-list').innerText()).toContain('14 June 2021');
    }
    await visit('/o/kingsbury/assets');
    expect(await page.locator('tbody tr').count()).toBe(2);
    await page.getByLabel('Manufacturer (as labelled)').fill('axis');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/manufacturer=axis/);
    await expectAccessible(page);
    expect(await page.locator('tbody tr').count()).toBe(1);
    expect(await page.locator('tbody').innerText()).toContain('P3245-LVE');
    await page.getByRole('link', { name: /Axis/ }).first().click();
    await page.waitForURL(/\/assets\/[0-9a-f-]{36}$/);
    expect(await page.locator('.govuk-summary-list').innerText()).toContain('00:40:8C:12:34:56');
    await expectAccessible(page);
  });

  it('shows the audit trail and API documentation accessibly', async () => {
    await page.context().clearCookies();
    await visit('/sign-in');
    await page.getByLabel('Email address').fill(org.users.admin.email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/o/kingsbury`);
    await visit('/o/kingsbury/audit');
    expect(await page.locator('tbody').innerText()).toContain('Kingsbury Town Hall');
    await visit('/o/kingsbury/networks');
    await visit('/o/kingsbury/networks/new');
    await page.getByLabel('Network name').fill('CCTV VLAN');
    await page.getByLabel('Isolated CCTV network').check();
    await page.getByLabel('Address ranges (optional)').fill('10.20.0.0/16\nnot-a-range');
    await page.getByRole('button', { name: 'Save network' }).click();
    await expect.poll(() => page.locator('.govuk-error-summary').innerText()).toContain('not-a-range');
    await expectAccessible(page);
    await page.getByLabel('Address ranges (optional)').fill('10.20.0.0/16');
    await page.getByRole('button', { name: 'Save network' }).click();
    await page.waitForURL(/\/networks\/[0-9a-f-]{36}$/);
    await expectAccessible(page);
    await visit('/o/kingsbury/systems');
    await visit('/o/kingsbury/systems/new');
    await page.getByLabel('System name').fill('Town hall CCTV');
    await page.getByLabel('Purpose').fill('Security of the building, staff and visitors');
    await page.getByLabel('Responsible owner').fill('Facilities manager');
    await page.getByLabel('How long are images kept?').fill('31');
    await page.getByLabel('Kingsbury Town Hall').check();
    await page.getByRole('button', { name: 'Save system' }).click();
    await page.waitForURL(/\/systems\/[0-9a-f-]{36}$/);
    await expectAccessible(page);
    // The compliance side of the register: findings, the plan, the FOI answer and the catalogue behind them.
    await visit('/o/kingsbury');
    // The overview raises the critical finding first, then what needs doing, each a link.
    expect(await page.locator('.govuk-notification-banner').innerText()).toMatch(/critical finding/);
    expect(await page.locator('#to-do').isVisible()).toBe(true);
    // Every area is one click away in the grouped header, with the current one highlighted.
    await page.getByRole('navigation', { name: /Sections of/ }).getByRole('link', { name: 'Reminders' }).click();
    await page.waitForURL(/\/reminders$/);
    await expectAccessible(page);
    expect(await page.locator('a[aria-current="page"]').innerText()).toBe('Reminders');
    await visit('/o/kingsbury/compliance/dpias');
    await visit('/o/kingsbury/findings');
    // The Hikvision camera added at the sensitive town hall earlier raised a critical finding.
    expect(await page.locator('tbody').innerText()).toContain('PRC-NIL equipment on a sensitive site');
    await page.locator('tbody a[href*="/findings/"]').first().click();
    await page.waitForURL(/\/findings\/[0-9a-f-]{36}$/);
    await expectAccessible(page);
    await visit('/o/kingsbury/plan');
    await visit('/o/kingsbury/plan/costs');
    await visit('/o/kingsbury/reports/foi');
    await visit('/o/kingsbury/reports/profile');
    await visit('/o/kingsbury/catalogue');
    await visit('/account');
    await visit('/account/password');
    await visit('/orgs');
    await visit('/o/kingsbury/no-such-page');
    await visit('/api/docs');
  }, 240_000); // the API docs page now documents every area's operations; axe takes longer on it
});
