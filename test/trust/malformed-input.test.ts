// Found 3 (issue 14): malformed XLSX (cells without r=, a DTD), a NUL character in any text, and a non-ASCII
// `next` at sign-in each gave a bare 500. Each is now a 4xx naming the problem, on both engines.
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDb } from '../helpers/db';
import { Agent, api, createOrgFixture, createTestApp, PASSWORD, signedInAgent, type OrgFixture } from '../helpers/app';
import { multipart, tempDir } from '../imports/files';

/** A real workbook from exceljs, with its sheet XML changed by `edit`. */
async function alteredWorkbook(edit: (sheetXml: string) => string): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Register');
  ws.addRow(['Serial number', 'Manufacturer']);
  ws.addRow(['S-1', 'Hikvision']);
  const zip = await JSZip.loadAsync(Buffer.from(await wb.xlsx.writeBuffer()));
  const part = 'xl/worksheets/sheet1.xml';
  zip.file(part, edit(await zip.file(part)!.async('string')));
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}

const noCellRefs = () => alteredWorkbook((x) => x.replace(/ r="[A-Z]+\d+"/g, ''));
const withDtd = () => alteredWorkbook((x) => x.replace('?>', '?><!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'));

describeEachDb('malformed input is a clear 4xx, never a 500', (get) => {
  let app: FastifyInstance;
  let org: OrgFixture;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = tempDir();
    app = await createTestApp(get(), { DATA_DIR: dataDir });
    org = await createOrgFixture(get(), 'maltown');
  });
  afterAll(async () => { await app?.close(); fs.rmSync(dataDir, { recursive: true, force: true }); });

  for (const [what, make, message] of [
    ['cells without r=', noCellRefs, /cell without a reference \(r=/],
    ['a DTD with entities', withDtd, /contains a DTD/],
  ] as const) {
    it(`an XLSX with ${what} is refused on the import page and through the API, naming the problem`, async () => {
      const data = await make();
      const agent = await signedInAgent(app, org.users.manager.email);
      const cookie = [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      const page = multipart({ _csrf: agent.csrf }, { name: 'register.xlsx', data });
      let res = await app.inject({ method: 'POST', url: `/o/${org.slug}/imports`, payload: page.payload, headers: { ...page.headers, cookie } });
      if (res.statusCode === 303) res = await app.inject({ method: 'GET', url: res.headers.location as string, headers: { cookie } });
      expect(res.statusCode).toBeGreaterThanOrEqual(400);
      expect(res.statusCode).toBeLessThan(500);
      expect(res.body).toMatch(message);

      const body = multipart({ dryRun: 'true' }, { name: 'register.xlsx', data });
      const queued = await app.inject({ method: 'POST', url: '/api/v1/imports', payload: body.payload, headers: { ...body.headers, authorization: `Bearer ${org.tokens.manager}` } });
      expect(queued.statusCode).toBeLessThan(500);
      if (queued.statusCode === 202) {
        await app.deps.jobs.drain();
        const run = (await api(app, org.tokens.manager, 'GET', `/api/v1/imports/${queued.json().id}`)).json;
        expect(run.state).toBe('failed');
        expect(run.error).toMatch(message);
      } else {
        expect(queued.body).toMatch(message);
      }
    });
  }

  it('answers 400 naming the field for a NUL character in a path, a query or a body, on reads and writes', async () => {
    const cases: [string, 'GET' | 'POST' | 'PATCH', string, unknown?][] = [
      ['query q', 'GET', '/api/v1/assets?q=a%00b'],
      ['path id', 'GET', '/api/v1/assets/a%00b'],
      ['path id', 'GET', '/api/v1/sites/%00'],
      ['query', 'GET', '/api/v1/findings?status=open%00'],
      ['body name', 'POST', '/api/v1/sites', { name: 'Depot\u0000' }],
      ['nested body', 'POST', '/api/v1/assets', { kind: 'camera', notes: 'x', model: 'a\u0000' }],
    ];
    for (const [label, method, url, body] of cases) {
      const res = await api(app, org.tokens.manager, method, url, body);
      expect(res.status, `${label}: ${res.res.body}`).toBe(400);
      expect(res.json.error.code).toBe('nul_character');
    }
    expect((await api(app, org.tokens.manager, 'POST', '/api/v1/sites', { name: 'Depot\u0000' })).json.error.message).toMatch(/"name" contains a NUL character/);
    const agent = await signedInAgent(app, org.users.viewer.email);
    expect((await agent.get(`/o/${org.slug}/assets?q=%00`)).statusCode).toBe(400);
    // Nothing was written.
    expect((await api(app, org.tokens.manager, 'GET', '/api/v1/sites')).json.items).toEqual([]);
  });

  it('signs in with a non-ASCII `next` and follows it, percent-encoded', async () => {
    const agent = new Agent(app);
    const form = await agent.get('/sign-in?next=%2Fo%2Fmaltown%2Fsites%3Fq%3Dcaf%C3%A9');
    expect(form.statusCode).toBe(200);
    const res = await agent.post('/sign-in', { email: org.users.viewer.email, password: PASSWORD, next: '/o/maltown/sites?q=café ☃' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/');
    const other = new Agent(app);
    await other.get('/sign-in');
    const res2 = await other.post('/sign-in', { email: org.users.viewer.email, password: PASSWORD, next: '/o/maltown/sites?q=café' });
    expect(res2.statusCode).toBe(303);
    expect(res2.headers.location).toBe('/o/maltown/sites?q=caf%C3%A9');
    expect((await new Agent(app).post('/sign-in', { email: 'x@y.z', password: 'p', next: '/\ud800' }, { csrf: null })).statusCode).toBeLessThan(500);
  });
});
