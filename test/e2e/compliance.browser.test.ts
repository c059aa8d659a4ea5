import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { describeEachDb } from '../helpers/db';
import { api, createOrgFixture, createTestApp, PASSWORD, type OrgFixture } from '../helpers/app';
import { expectAccessible, launchBrowser } from '../helpers/browser';
import { PRINCIPLES } from '../../src/domain/compliance';

// A responsible person's yearly self-assessment in a real browser: scope, the 12 principles, the action plan,
// completion, publishing, and the public page read by someone not signed in. axe runs on every page visited.

describeEachDb('browser: self-assessment', (db) => {
  let app: FastifyInstance;
  let browser: Browser;
  let page: Page;
  let base: string;
  let org: OrgFixture;
  let systemId: string;

  beforeAll(async () => {
    app = await createTestApp(db());
    org = await createOrgFixture(db(), 'haverton');
    const site = (await api(app, org.tokens.manager, 'POST', '/api/v1/sites', { name: 'Haverton Market Square' })).json.id;
    systemId = (await api(app, org.tokens.manager, 'POST', '/api/v1/systems', { name: 'Town centre CCTV', purpose: 'Reduce crime in the town centre', owner: 'Community Safety Manager', retentionDays: 31, siteIds: [site] })).json.id;
    await api(app, org.tokens.engineer, 'POST', '/api/v1/assets', { kind: 'camera', manufacturer: 'Axis', model: 'P3245-LVE', serial: 'HV-1', siteId: site, systemId });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchBrowser();
    page = await (await browser.newContext()).newPage();
  });
  afterAll(async () => { await browser?.close(); await app?.close(); });

  const settle = async (url: RegExp) => { await page.waitForURL(url); await expectAccessible(page); };
  let publicLink = '';

  it('walks scope, the 12 principles, the action plan, completion and publishing', async () => {
    await page.goto(`${base}/sign-in`);
    await page.getByLabel('Email address').fill(org.users.manager.email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await settle(/\/o\/haverton$/);

    await page.goto(`${base}/o/haverton/compliance`);
    await expectAccessible(page);
    await page.getByRole('link', { name: 'Town centre CCTV' }).click();
    await settle(/\/compliance\/systems\/[0-9a-f-]{36}$/);
    await page.getByRole('button', { name: 'Start the self-assessment' }).click();
    await settle(/\/scope$/);
    // The scope starts from the register.
    expect(await page.getByLabel('Purposes').inputValue()).toBe('Reduce crime in the town centre');
    expect(await page.getByLabel('Haverton Market Square').isChecked()).toBe(true);
    await page.getByLabel('Purposes').fill('');
    await page.getByRole('button', { name: 'Save and continue' }).click();
    await expect.poll(() => page.locator('.govuk-error-summary').innerText()).toContain('Give at least one purpose');
    await expectAccessible(page);
    await page.getByLabel('Purposes').fill('Reduce crime in the town centre\nHelp find missing people');
    await page.getByRole('button', { name: 'Save and continue' }).click();
    await settle(/\/principles\/1$/);

    for (const p of PRINCIPLES) {
      await page.waitForURL(new RegExp(`/principles/${p.number}$`));
      await expectAccessible(page);
      expect(await page.locator('h1').innerText()).toBe(`Principle ${p.number}: ${p.title}`);
      for (const q of p.questions) {
        const id = `q-${q.id.replace(/\./g, '-')}`;
        if (q.derived) expect(await page.locator('.govuk-inset-text').first().innerText()).toContain('Sightline says');
        else if (q.kind === 'closed') await page.locator(`#${id}-answer`).check(); // the first choice: Yes
        else await page.locator(`#${id}-text`).fill(`Written answer to ${q.id}`);
      }
      await page.getByRole('button', { name: 'Save and continue' }).click();
    }
    await settle(/\/actions$/);

    await page.getByLabel('Principle').selectOption({ label: '10. Review and audit' });
    await page.getByLabel('Action').fill('Hold the annual review with the police');
    await page.getByLabel('Owner').selectOption({ label: `manager of haverton (${org.users.manager.email})` });
    await page.locator('#dueDate-day').fill('31');
    await page.locator('#dueDate-month').fill('3');
    await page.locator('#dueDate-year').fill(String(new Date().getFullYear() + 1));
    await page.getByRole('button', { name: 'Add action' }).click();
    await settle(/\/actions$/);
    expect(await page.locator('.govuk-table').innerText()).toContain('Hold the annual review with the police');

    await page.getByRole('button', { name: 'Continue to check and complete' }).click();
    await settle(/\/complete$/);
    await page.getByRole('button', { name: 'Complete the self-assessment' }).click();
    await settle(/\/versions\/1\/publish$/);
    expect(await page.locator('.govuk-notification-banner').innerText()).toContain('version 1 complete');

    await page.getByLabel('Written answers').uncheck();
    await page.getByLabel('Action owners').uncheck();
    await page.getByRole('button', { name: 'Save and publish' }).click();
    await settle(/\/versions\/1\/publish$/);
    publicLink = (await page.locator('#public-link').getAttribute('href'))!;
    expect(publicLink).toMatch(/\/p\/self-assessment\/[A-Za-z0-9_-]{40,}$/);

    await page.goto(`${base}/o/haverton/compliance/systems/${systemId}/versions/1`);
    await expectAccessible(page);
    expect(await page.locator('body').innerText()).toContain('Self-assessment complete');
  }, 240_000); // about 20 pages, each checked by axe, on a shared 2-core machine

  it('shows the published page to someone not signed in, with only what was chosen', async () => {
    const stranger = await (await browser.newContext()).newPage();
    await stranger.goto(`${base}${new URL(publicLink).pathname}`);
    await expectAccessible(stranger);
    const text = await stranger.locator('body').innerText();
    expect(text).toContain('Town centre CCTV');
    expect(text).toContain('Help find missing people');
    expect(text).toContain('Hold the annual review with the police');
    expect(text).not.toContain('Written answer to');
    expect(text).not.toContain('manager of haverton');
    expect(text).not.toMatch(/certified/i);
    expect(await stranger.locator('.sl-user-bar').count()).toBe(0);
    await stranger.close();
  });
});
