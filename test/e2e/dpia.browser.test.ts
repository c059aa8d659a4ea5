import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { describeEachDb } from '../helpers/db';
import { api, createOrgFixture, createTestApp, PASSWORD, type OrgFixture } from '../helpers/app';
import { expectAccessible, launchBrowser } from '../helpers/browser';

// A data protection officer's first DPIA, in a real browser: start it from the list, write the sections, add a
// risk (fixing an error on the way), sign it off and see the frozen camera list; then the signage register and the
// disclosure log. axe runs on every page visited.

describeEachDb('browser: DPIA', (db) => {
  let app: FastifyInstance;
  let browser: Browser;
  let page: Page;
  let base: string;
  let org: OrgFixture;

  beforeAll(async () => {
    app = await createTestApp(db());
    org = await createOrgFixture(db(), 'ashby');
    const site = (await api(app, org.tokens.manager, 'POST', '/api/v1/sites', { name: 'Market Square' })).json.id;
    const system = (await api(app, org.tokens.manager, 'POST', '/api/v1/systems', { name: 'Town centre CCTV', purpose: 'Reduce crime in the town centre', owner: 'Community safety manager', retentionDays: 31, siteIds: [site] })).json.id;
    await api(app, org.tokens.manager, 'POST', '/api/v1/assets', { kind: 'camera', manufacturer: 'Axis', model: 'Q6075-E', location: 'Market cross', siteId: site, systemId: system });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchBrowser();
    page = await (await browser.newContext()).newPage();
    await page.goto(`${base}/sign-in`);
    await page.getByLabel('Email address').fill(org.users.manager.email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/o/ashby`);
  });
  afterAll(async () => { await browser?.close(); await app?.close(); });

  const visit = async (path: string) => { await page.goto(base + path); await expectAccessible(page); };

  it('creates a DPIA and writes its sections', async () => {
    await visit('/o/ashby/compliance/dpias');
    await page.getByRole('button', { name: 'Start a DPIA for Town centre CCTV' }).click();
    await page.waitForURL(/\/compliance\/dpias\/[0-9a-f-]{36}\/edit$/);
    await expectAccessible(page);
    expect(await page.getByLabel('Purposes: what the system is meant to achieve').inputValue()).toBe('Reduce crime in the town centre');
    await page.getByLabel('Systematic monitoring of a publicly accessible area').check();
    await page.getByLabel('UK GDPR (general processing)').check();
    await page.getByLabel('Who was consulted (residents, staff, police, others), when, and what they said').fill('Town council and residents, May 2026');
    await page.getByLabel('Why cameras are necessary and proportionate, and what else was considered').fill('Patrols alone did not reduce night-time crime.');
    await page.getByRole('button', { name: 'Save the DPIA' }).click();
    await page.waitForURL(/\/compliance\/dpias\/[0-9a-f-]{36}$/);
    await expectAccessible(page);
    expect(await page.locator('#cameras').innerText()).toContain('Market cross');
  });

  it('adds a risk, fixing an error on the way, and sees its overall level', async () => {
    await page.getByRole('button', { name: 'Add a risk' }).click();
    await page.waitForURL(/\/risks\/new$/);
    await expectAccessible(page);
    await page.getByLabel('Risk to individuals').fill('Flats above the square are visible');
    await page.getByLabel('Probable').check();
    await page.getByRole('button', { name: 'Save risk' }).click();
    await expect.poll(() => page.locator('.govuk-error-summary').innerText()).toContain('Choose how severe the harm would be');
    await expectAccessible(page);
    await page.getByLabel('Severe').check();
    await page.getByLabel('Mitigation (needed before sign-off)').fill('Privacy masks over the windows');
    await page.getByLabel('Low').check();
    await page.getByLabel('Mitigation approved by (needed before sign-off)').fill('R. Shah, SIRO');
    await page.getByRole('button', { name: 'Save risk' }).click();
    await page.waitForURL(/\/compliance\/dpias\/[0-9a-f-]{36}#risks$/);
    await expectAccessible(page);
    expect(await page.locator('#risks + table').innerText()).toContain('High');
  });

  it('signs it off, freezing the camera list', async () => {
    await page.getByRole('button', { name: 'Sign off version 1' }).click();
    await page.waitForURL(/\/sign-off$/);
    await expectAccessible(page);
    await page.getByLabel('Name of the data protection officer').fill('A. Okafor');
    await page.getByLabel('Summary of the DPO’s advice').fill('Proceed with the privacy masks in place.');
    await page.getByLabel('Yes').check();
    await page.getByLabel('Proceed with the changes recorded in the mitigations').check();
    await page.getByLabel('Signed off by').fill('R. Shah, SIRO');
    await page.getByRole('button', { name: 'Sign off version 1' }).click();
    await page.waitForURL(/\/compliance\/dpias\/[0-9a-f-]{36}$/);
    await expectAccessible(page);
    expect(await page.locator('h1').innerText()).toContain('Signed off');
    expect(await page.locator('#cameras').innerText()).toContain('as frozen at sign-off');
    await page.getByRole('link', { name: 'Version 1' }).click();
    await page.waitForURL(/\/versions\/1$/);
    await expectAccessible(page);
    await visit('/o/ashby/compliance/dpias');
  });

  it('records a sign and logs a subject access request', async () => {
    await visit('/o/ashby/compliance/signage');
    await page.getByRole('button', { name: 'Add a sign' }).click();
    await page.waitForURL(/\/signage\/new$/);
    await expectAccessible(page);
    await page.getByLabel('Site').selectOption({ label: 'Market Square' });
    await page.getByLabel('Where the sign is').fill('Lamp post by the market cross');
    await page.getByLabel('Who operates the cameras').check();
    await page.getByLabel('Good').check();
    await page.getByRole('button', { name: 'Save sign' }).click();
    await page.waitForURL(/\/compliance\/signage\?site=/);
    await expectAccessible(page);
    expect(await page.locator('tbody').innerText()).toContain('Needs attention');

    await visit('/o/ashby/compliance/disclosures/new');
    await page.getByLabel('System the images come from').selectOption({ label: 'Town centre CCTV' });
    await page.getByLabel('Subject access request').check();
    await page.getByLabel('Requester').fill('Data subject');
    await page.locator('#receivedOn-day').fill('31');
    await page.locator('#receivedOn-month').fill('1');
    await page.locator('#receivedOn-year').fill('2024');
    await page.getByRole('button', { name: 'Save request' }).click();
    await page.waitForURL(/\/compliance\/disclosures$/);
    await expectAccessible(page);
    expect(await page.locator('tbody').innerText()).toContain('29 February 2024');
  });
});
