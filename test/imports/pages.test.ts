import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { describeEachDb } from '../helpers/db';
import { api, createOrgFixture, createTestApp, signedInAgent, type Agent, type OrgFixture } from '../helpers/app';
import { MESSY_CSV, multipart, tempDir } from './files';

// The page flow (upload → match columns → check → confirm → result), run as background jobs, and the API.

describeEachDb('import: pages and API', (db) => {
  let app: FastifyInstance;
  let org: OrgFixture;
  let other: OrgFixture;
  let dataDir: string;
  let manager: Agent;

  const upload = (agent: Agent, name: string, data: Buffer, csrf: string | null = agent.csrf) => {
    const { payload, headers } = multipart(csrf === null ? {} : { _csrf: csrf }, { name, data });
    return app.inject({ method: 'POST', url: `/o/${org.slug}/imports`, payload, headers: { ...headers, cookie: [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });
  };
  /** Uploads kept in blob storage (the imports' area of the local store), by SHA-256. */
  const stored = () => {
    const area = path.join(dataDir, 'files', 'areas', 'imports');
    return fs.existsSync(area) ? (fs.readdirSync(area, { recursive: true }) as string[]).map((f) => path.basename(f)).filter((f) => /^[0-9a-f]{64}$/.test(f)) : [];
  };
  /** Scratch copies left on disk (none once a request or job is over). */
  const scratch = () => (fs.existsSync(path.join(dataDir, 'scratch', 'imports')) ? fs.readdirSync(path.join(dataDir, 'scratch', 'imports')) : []);
  const keptUpload = async (runPath: string) => (await db().db.selectFrom('import_runs').select('stored_name').where('id', '=', runPath.split('/').pop()!).executeTakeFirstOrThrow()).stored_name;
  /** Upload, accept the suggested columns, run the check; returns the run's page path. */
  const uploadAndCheck = async (agent: Agent, name: string, data: Buffer) => {
    const res = await upload(agent, name, data);
    expect(res.statusCode, res.body).toBe(303);
    const mappingPath = res.headers.location as string;
    const form = await agent.get(mappingPath);
    const chosen: Record<string, string> = { save: 'yes' };
    for (const m of form.body.matchAll(/<select class="govuk-select[^"]*" id="(map-\d+)" name="map-\d+"[^>]*>([\s\S]*?)<\/select>/g)) {
      chosen[m[1]] = /<option value="([^"]+)" selected/.exec(m[2])?.[1] ?? 'ignore';
    }
    const posted = await agent.post(mappingPath, chosen);
    expect(posted.statusCode, posted.body).toBe(303);
    return posted.headers.location as string;
  };

  beforeAll(async () => {
    dataDir = tempDir();
    app = await createTestApp(db(), { DATA_DIR: dataDir });
    org = await createOrgFixture(db(), 'pageshire');
    other = await createOrgFixture(db(), 'othershire');
    manager = await signedInAgent(app, org.users.manager.email);
  });
  afterAll(async () => { await app?.close(); fs.rmSync(dataDir, { recursive: true, force: true }); });

  it('walks upload → columns → check → confirm → result, with progress while the jobs wait', async () => {
    const start = await manager.get(`/o/${org.slug}/imports`);
    expect(start.statusCode).toBe(200);
    expect(start.body).toContain('Import a spreadsheet');
    const assetsPage = await manager.get(`/o/${org.slug}/assets`);
    expect(assetsPage.body).toContain(`href="/o/${org.slug}/imports"`);

    const res = await upload(manager, 'messy-register.csv', fs.readFileSync(MESSY_CSV));
    expect(res.statusCode).toBe(303);
    const form = await manager.get(res.headers.location as string);
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('Match the columns');
    // Suggestions from the headings: Make → manufacturer, Building → site, MAC Address → MAC.
    expect(form.body).toMatch(/Field for “Make”[\s\S]*?<option value="manufacturer" selected>/);
    expect(form.body).toMatch(/Field for “Building”[\s\S]*?<option value="site" selected>/);
    expect(form.body).toMatch(/Field for “MAC Address”[\s\S]*?<option value="mac" selected>/);
    expect(form.body).toContain('HIK VISION'); // a sample value

    const runPath = await uploadAndCheck(manager, 'messy-register.csv', fs.readFileSync(MESSY_CSV));
    const waiting = await manager.get(runPath);
    expect(waiting.body).toContain('Checking the file');
    expect(waiting.headers.refresh).toBe('3');
    expect((await manager.get(`${runPath}?auto=0`)).headers.refresh).toBeUndefined();

    await app.deps.jobs.drain();
    const preview = await manager.get(runPath);
    expect(preview.headers.refresh).toBeUndefined();
    expect(preview.body).toContain('Check the import');
    expect(preview.body).toMatch(/Assets to add[\s\S]*?6/);
    expect(preview.body).toContain('Café Nero Unit');
    expect((await api(app, org.tokens.viewer, 'GET', '/api/v1/assets')).json.items).toEqual([]);

    // The new sites must be confirmed.
    const refused = await manager.post(`${runPath}/confirm`, {});
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toMatch(/Confirm that the 3 new sites should be created/);
    expect(refused.body).toContain('href="#createSites"');

    const confirmed = await manager.post(`${runPath}/confirm`, { createSites: 'yes' });
    expect(confirmed.statusCode).toBe(303);
    expect((await manager.get(runPath)).body).toContain('Importing the file');
    await app.deps.jobs.drain();
    const done = await manager.get(runPath);
    expect(done.body).toContain('Spreadsheet imported');
    expect(done.body).toContain('6 added, 0 updated, 0 unchanged');
    expect((await api(app, org.tokens.viewer, 'GET', '/api/v1/assets')).json.items).toHaveLength(6);
    // The run no longer keeps its upload once imported; the bytes stay while the first upload of the same file
    // (never imported) still keeps them.
    const sha = createHash('sha256').update(fs.readFileSync(MESSY_CSV)).digest('hex');
    expect(await keptUpload(runPath)).toBeNull();
    expect(stored()).toContain(sha);
    expect(scratch()).toEqual([]);
  });

  it('shows row errors and offers them as CSV; nothing is imported', async () => {
    const bad = Buffer.from('Serial,MAC Address,Building\r\nE-1,zz:zz,Depot\r\nE-2,44:19:B6:00:00:09,Nowhere Else\r\n');
    const runPath = await uploadAndCheck(manager, 'with errors.csv', bad);
    await app.deps.jobs.drain();
    const page = await manager.get(runPath);
    expect(page.body).toMatch(/1 problem to correct/);
    expect(page.body).not.toContain('Import 2 rows');
    const csv = await manager.get(`${runPath}/errors.csv`);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.headers['content-disposition']).toContain('with-errors-errors.csv');
    expect(csv.body).toContain('Row,Column,Problem');
    expect(csv.body).toMatch(/2,MAC Address,"“zz:zz” is not a MAC address/);
  });

  it('remembers the organisation’s column choices for its next upload', async () => {
    const file = Buffer.from('Kit,Ident\r\nHikvision,K-1\r\n');
    let res = await upload(manager, 'kit.csv', file);
    let form = await manager.get(res.headers.location as string);
    expect(form.body).toMatch(/Field for “Kit”[\s\S]*?<option value="ignore" selected>/);
    const posted = await manager.post(res.headers.location as string, { 'map-0': 'manufacturer', 'map-1': 'serial', save: 'yes' });
    expect(posted.statusCode).toBe(303);
    res = await upload(manager, 'kit-again.csv', file);
    form = await manager.get(res.headers.location as string);
    expect(form.body).toMatch(/Field for “Kit”[\s\S]*?<option value="manufacturer" selected>/);
    expect(form.body).toMatch(/Field for “Ident”[\s\S]*?<option value="serial" selected>/);
    // Two columns for one field is refused, at the select.
    const twice = await manager.post(res.headers.location as string, { 'map-0': 'serial', 'map-1': 'serial' });
    expect(twice.statusCode).toBe(422);
    expect(twice.body).toContain('href="#map-1"');
  });

  it('refuses a file that is not a spreadsheet, and an upload without the form’s token, keeping neither', async () => {
    const before = stored().length;
    const pdf = await upload(manager, 'minutes.csv', Buffer.from('%PDF-1.4\n1 0 obj\n'));
    expect(pdf.statusCode).toBe(422);
    expect(pdf.body).toContain('is a PDF document, not a spreadsheet');
    expect(pdf.body).toContain('href="#file"');
    const forged = await upload(manager, 'messy.csv', fs.readFileSync(MESSY_CSV), null);
    expect(forged.statusCode).toBe(403);
    expect(stored().length).toBe(before);
    const viewer = await signedInAgent(app, org.users.viewer.email);
    expect((await upload(viewer, 'messy.csv', fs.readFileSync(MESSY_CSV))).statusCode).toBe(403);
    expect(stored().length).toBe(before);
    expect(scratch()).toEqual([]);
  });

  it('imports through the API as a job, and keeps each organisation’s imports to itself', async () => {
    const { payload, headers } = multipart({ createSites: 'true', mapping: JSON.stringify({ 'Camera name': 'location' }) }, { name: 'api.csv', data: fs.readFileSync(MESSY_CSV) });
    const other2 = await createOrgFixture(db(), 'apishire');
    const res = await app.inject({ method: 'POST', url: '/api/v1/imports', payload, headers: { ...headers, authorization: `Bearer ${other2.tokens.manager}` } });
    expect(res.statusCode, res.body).toBe(202);
    const run = res.json();
    expect(run.state).toBe('importing');
    await app.deps.jobs.drain();
    const got = await api(app, other2.tokens.viewer, 'GET', `/api/v1/imports/${run.id}`);
    expect(got.json).toMatchObject({ state: 'done', report: { added: 6, sitesCreated: 3, errorCount: 0 } });
    const list = await api(app, other2.tokens.viewer, 'GET', '/api/v1/imports');
    expect(list.json.items[0]).toMatchObject({ id: run.id, state: 'done', summary: { added: 6 } });
    // Another organisation sees nothing of it.
    expect((await api(app, other.tokens.admin, 'GET', `/api/v1/imports/${run.id}`)).status).toBe(404);
    expect((await api(app, other.tokens.admin, 'GET', '/api/v1/imports')).json.items).toEqual([]);
    const agent = await signedInAgent(app, other.users.admin.email);
    expect((await agent.get(`/o/${other.slug}/imports/${run.id}`)).statusCode).toBe(404);
    expect((await agent.get(`/o/${other2.slug}/imports/${run.id}`)).statusCode).toBe(404);
    expect((await api(app, other2.tokens.viewer, 'GET', '/api/v1/assets')).json.items).toHaveLength(6);
  });
});
