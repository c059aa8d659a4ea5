import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { describeEachDb } from '../helpers/db';
import { api, createOrgFixture, createTestApp, signedInAgent, type OrgFixture } from '../helpers/app';
import { objectHistory } from '../../src/modules/audit/service';
import { listOperations } from '../../src/web/openapi';
import { documentReviewsDue, listDocumentsDue, uploadDocument } from '../../src/modules/documents/service';
import { apiUpload, blobFiles, CSV, EXE, HTML, PDF, PNG, SVG, TEXT, pageUpload } from './fixtures';

describeEachDb('documents', (db) => {
  let app: FastifyInstance;
  let a: OrgFixture;
  let b: OrgFixture;
  let filesDir: string;
  let siteId: string;
  let systemId: string;
  const download = (token: string, url: string) => app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    filesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sightline-files-'));
    app = await createTestApp(db(), { SIGHTLINE_FILES_DIR: filesDir });
    a = await createOrgFixture(db(), 'docs-a');
    b = await createOrgFixture(db(), 'docs-b');
    siteId = (await api(app, a.tokens.manager, 'POST', '/api/v1/sites', { name: 'Town Hall' })).json.id;
    systemId = (await api(app, a.tokens.manager, 'POST', '/api/v1/systems', { name: 'Town centre CCTV', purpose: 'Crime prevention', owner: 'Community safety', retentionDays: 31, siteIds: [siteId] })).json.id;
  });
  afterAll(async () => { await app?.close(); fs.rmSync(filesDir, { recursive: true, force: true }); });

  it('uploads a document through the API and downloads the same bytes with safe headers', async () => {
    const up = await apiUpload(app, a.tokens.engineer, '/api/v1/documents', { category: 'policy', tags: 'annual review, Town Centre', targetType: 'site', targetId: siteId, reviewDate: '2027-03-31' }, { filename: 'CCTV policy 2026.pdf', data: PDF });
    expect(up.status).toBe(201);
    expect(up.json).toMatchObject({
      title: 'CCTV policy 2026', category: 'policy', tags: ['annual review', 'Town Centre'], reviewDate: '2027-03-31',
      attachments: [{ type: 'site', id: siteId, label: 'Town Hall' }],
      currentVersion: { version: 1, filename: 'CCTV policy 2026.pdf', contentType: 'application/pdf', size: PDF.length },
    });
    const res = await download(a.tokens.viewer, `/api/v1/documents/${up.json.id}/versions/1/download`);
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload.equals(PDF)).toBe(true);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="CCTV policy 2026.pdf"; filename*=UTF-8''CCTV%20policy%202026.pdf`);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toBe('sandbox');
    expect(res.headers['cache-control']).toMatch(/^private/);
    // A client that has the version already is told so without the bytes.
    const again = await app.inject({ method: 'GET', url: `/api/v1/documents/${up.json.id}/versions/latest/download`, headers: { authorization: `Bearer ${a.tokens.viewer}`, 'if-none-match': res.headers.etag as string } });
    expect(again.statusCode).toBe(304);
  });

  it('stores the same bytes once however many documents hold them', async () => {
    const before = blobFiles(filesDir).length;
    const one = await apiUpload(app, a.tokens.manager, '/api/v1/documents', { category: 'contract' }, { filename: 'maintenance contract.csv', data: CSV });
    const two = await apiUpload(app, a.tokens.manager, '/api/v1/documents', { category: 'other' }, { filename: 'copy.csv', data: CSV });
    const other = await apiUpload(app, b.tokens.manager, '/api/v1/documents', { category: 'other' }, { filename: 'theirs.csv', data: CSV });
    expect([one.status, two.status, other.status]).toEqual([201, 201, 201]);
    expect(one.json.currentVersion.contentType).toBe('text/csv');
    expect(two.json.currentVersion.sha256).toBe(one.json.currentVersion.sha256);
    expect(blobFiles(filesDir).length).toBe(before + 1);
    const res = await download(a.tokens.viewer, `/api/v1/documents/${two.json.id}/versions/1/download`);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.body).toBe(CSV.toString());
    // Deleting one holder keeps the bytes for the others.
    expect((await api(app, a.tokens.manager, 'DELETE', `/api/v1/documents/${one.json.id}`)).status).toBe(204);
    expect(blobFiles(filesDir).length).toBe(before + 1);
    expect((await download(b.tokens.viewer, `/api/v1/documents/${other.json.id}/versions/1/download`)).body).toBe(CSV.toString());
  });

  it('decides the type from the content: a .pdf name holding PNG bytes is kept as a PNG', async () => {
    const up = await apiUpload(app, a.tokens.manager, '/api/v1/documents', { category: 'signage-photo' }, { filename: 'sign.pdf', data: PNG, contentType: 'application/pdf' });
    expect(up.status).toBe(201);
    expect(up.json.currentVersion).toMatchObject({ contentType: 'image/png', filename: 'sign.png' });
    const res = await download(a.tokens.viewer, `/api/v1/documents/${up.json.id}/versions/1/download`);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['content-disposition']).toContain('filename="sign.png"');
  });

  it('refuses programs, web pages and SVG with a clear message, storing nothing', async () => {
    const before = blobFiles(filesDir).length;
    const cases = [
      { filename: 'setup.exe', data: EXE, message: /program/ },
      { filename: 'report.pdf', data: HTML, contentType: 'application/pdf', message: /web page, SVG image or script/ },
      { filename: 'logo.svg', data: SVG, contentType: 'image/svg+xml', message: /web page, SVG image or script/ },
    ];
    for (const c of cases) {
      const r = await apiUpload(app, a.tokens.manager, '/api/v1/documents', { category: 'other' }, c);
      expect(r.status, c.filename).toBe(415);
      expect(r.json.error.fields.file).toMatch(c.message);
    }
    expect(blobFiles(filesDir).length).toBe(before);
  });

  it('sanitises file names: no directories, no direction overrides', async () => {
    const passwd = await apiUpload(app, a.tokens.manager, '/api/v1/documents', { category: 'other' }, { filename: '../../etc/passwd', data: TEXT });
    expect(passwd.json.currentVersion.filename).toBe('passwd.txt');
    expect(passwd.json.title).toBe('passwd');
    const rtl = await apiUpload(app, a.tokens.manager, '/api/v1/documents', { category: 'certificate' }, { filename: 'certificate\u202Efdp.exe', data: PDF });
    expect(rtl.json.currentVersion.filename).toBe('certificatefdp.pdf');
    const res = await download(a.tokens.viewer, `/api/v1/documents/${rtl.json.id}/versions/1/download`);
    expect(res.headers['content-disposition']).not.toMatch(/%E2%80%AE|\u202e/i);
  });

  it('keeps every version downloadable and records each in the audit trail', async () => {
    const first = await apiUpload(app, a.tokens.manager, '/api/v1/documents', { category: 'dpia', targetType: 'system', targetId: systemId }, { filename: 'DPIA v1.txt', data: Buffer.from('DPIA first draft\n') });
    const second = await apiUpload(app, a.tokens.engineer, `/api/v1/documents/${first.json.id}/versions`, {}, { filename: 'DPIA v2.pdf', data: PDF });
    expect(second.status).toBe(201);
    expect(second.json.currentVersion).toMatchObject({ version: 2, filename: 'DPIA v2.pdf' });
    expect(second.json.versions.map((v: any) => v.version)).toEqual([2, 1]);
    expect((await download(a.tokens.viewer, `/api/v1/documents/${first.json.id}/versions/1/download`)).body).toBe('DPIA first draft\n');
    expect((await download(a.tokens.viewer, `/api/v1/documents/${first.json.id}/versions/latest/download`)).rawPayload.equals(PDF)).toBe(true);
    expect((await download(a.tokens.viewer, `/api/v1/documents/${first.json.id}/versions/3/download`)).statusCode).toBe(404);
    const ctx = { db: db().db, orgId: a.id, orgSlug: a.slug, role: 'admin' as const, actor: { type: 'system' as const, id: null, label: 'test' } };
    const history = await objectHistory(ctx, 'document', first.json.id);
    expect(history.map((e) => e.action)).toEqual(['download', 'download', 'version', 'create']); // newest first; the 404 is not a download
    expect(history[1]).toMatchObject({ summary: 'Downloaded version 1 of DPIA v1 (DPIA v1.txt)' });
  });

  it('changes tags and review date, attaches and detaches, and validates targets against the organisation', async () => {
    const doc = (await apiUpload(app, a.tokens.manager, '/api/v1/documents', { category: 'certificate' }, { filename: 'NSI certificate.pdf', data: PDF })).json;
    expect(doc.attachments).toEqual([{ type: 'organisation', id: a.id, label: 'Whole organisation' }]);
    const patched = await api(app, a.tokens.engineer, 'PATCH', `/api/v1/documents/${doc.id}`, { tags: ['NSI', 'nsi', 'Gold'], reviewDate: '2026-01-15' });
    expect(patched.json).toMatchObject({ tags: ['Gold', 'NSI'], reviewDate: '2026-01-15', category: 'certificate' });
    const attached = await api(app, a.tokens.engineer, 'POST', `/api/v1/documents/${doc.id}/attach`, { targetType: 'system', targetId: systemId });
    expect(attached.json.attachments.map((x: any) => x.type)).toEqual(['organisation', 'system']);
    expect((await api(app, a.tokens.engineer, 'POST', `/api/v1/documents/${doc.id}/attach`, { targetType: 'system', targetId: systemId })).status).toBe(409);
    const bSite = (await api(app, b.tokens.manager, 'POST', '/api/v1/sites', { name: 'Bravo depot' })).json.id;
    const foreign = await api(app, a.tokens.engineer, 'POST', `/api/v1/documents/${doc.id}/attach`, { targetType: 'site', targetId: bSite });
    expect(foreign.status).toBe(422);
    expect(foreign.json.error.fields.targetId).toBe('Choose a site of this organisation');
    const foreignUpload = await apiUpload(app, a.tokens.manager, '/api/v1/documents', { category: 'other', targetType: 'site', targetId: bSite }, { filename: 'x.txt', data: Buffer.from('x\n') });
    expect(foreignUpload.status).toBe(422);
    expect(foreignUpload.json.error.fields).toHaveProperty('targetId');
    const detached = await api(app, a.tokens.engineer, 'POST', `/api/v1/documents/${doc.id}/detach`, { targetType: 'organisation' });
    expect(detached.json.attachments.map((x: any) => x.type)).toEqual(['system']);
    // Filters: by tag (any case), category, what it is attached to, and review date.
    const q = async (qs: string) => (await api(app, a.tokens.viewer, 'GET', `/api/v1/documents?${qs}`)).json.items.map((d: any) => d.id);
    expect(await q('tag=gold')).toEqual([doc.id]);
    expect(await q(`targetType=system&targetId=${systemId}`)).toContain(doc.id);
    expect(await q('category=certificate&reviewBefore=2026-02-01')).toEqual([doc.id]);
    expect(await q('reviewBefore=2025-12-31')).not.toContain(doc.id);
  });

  it('feeds review dates to reminders', async () => {
    const due = await listDocumentsDue(db().db, a.id, '2026-02-01');
    expect(due.map((d) => d.title)).toContain('NSI certificate');
    expect(due.every((d) => d.reviewDate <= '2026-02-01')).toBe(true);
    expect(due[0].path).toMatch(/^\/o\/docs-a\/documents\//);
    const items = await documentReviewsDue(db().db, { orgId: a.id, from: '2026-01-01', to: '2026-01-31' });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ dueDate: '2026-01-15', title: 'Review of document “NSI certificate”', orgId: a.id });
    expect(await listDocumentsDue(db().db, b.id, '2099-01-01')).toEqual([]);
  });

  it('lets other areas upload through the service, e.g. a maintenance photo on an asset', async () => {
    const asset = (await api(app, a.tokens.engineer, 'POST', '/api/v1/assets', { kind: 'camera', manufacturer: 'Axis', model: 'P3245-LVE', serial: 'AX-9', siteId })).json;
    const ctx = { db: db().db, orgId: a.id, orgSlug: a.slug, role: 'engineer' as const, actor: { type: 'user' as const, id: a.users.engineer.id, label: a.users.engineer.email } };
    const storage = app.deps.storage;
    const doc = await uploadDocument(ctx, storage, { filename: 'IMG_0042.JPG', data: PNG, category: 'maintenance-report', tags: ['visit'], target: { type: 'asset', id: asset.id }, reviewDate: null });
    expect(doc.attachments).toEqual([{ type: 'asset', id: asset.id, label: 'Axis P3245-LVE (AX-9)' }]);
    expect(doc.currentVersion.filename).toBe('IMG_0042.png');
    // Deleting the asset removes the attachment, not the document.
    await api(app, a.tokens.manager, 'DELETE', `/api/v1/assets/${asset.id}`);
    expect((await api(app, a.tokens.viewer, 'GET', `/api/v1/documents/${doc.id}`)).json.attachments).toEqual([]);
  });

  it('keeps organisations apart: another organisation’s document is not found, for metadata or download', async () => {
    const doc = (await apiUpload(app, a.tokens.manager, '/api/v1/documents', { category: 'dpia', title: 'ZZSECRET DPIA' }, { filename: 'secret.pdf', data: PDF })).json;
    for (const role of ['admin', 'viewer'] as const) {
      expect((await api(app, b.tokens[role], 'GET', `/api/v1/documents/${doc.id}`)).status).toBe(404);
      expect((await download(b.tokens[role], `/api/v1/documents/${doc.id}/versions/1/download`)).statusCode).toBe(404);
      const list = await api(app, b.tokens[role], 'GET', '/api/v1/documents?limit=500');
      expect(list.res.body).not.toContain('ZZSECRET');
    }
    expect((await apiUpload(app, b.tokens.admin, `/api/v1/documents/${doc.id}/versions`, {}, { filename: 'x.pdf', data: PDF })).status).toBe(404);
    expect((await api(app, b.tokens.admin, 'DELETE', `/api/v1/documents/${doc.id}`)).status).toBe(404);
    const agent = await signedInAgent(app, b.users.admin.email);
    for (const slug of ['docs-a', 'docs-b']) {
      const page = await agent.get(`/o/${slug}/documents/${doc.id}/versions/1/download`);
      expect(page.statusCode).toBe(404);
      expect(page.body).not.toContain('%PDF');
    }
    expect((await api(app, a.tokens.viewer, 'GET', `/api/v1/documents/${doc.id}`)).json.title).toBe('ZZSECRET DPIA');
  });

  it('answers each documented documents GET with the documented shape', async () => {
    const doc = (await apiUpload(app, a.tokens.manager, '/api/v1/documents', { category: 'policy', tags: 'contract-check' }, { filename: 'shape.pdf', data: PDF })).json;
    const ops = listOperations().filter((o) => o.path.startsWith('/api/v1/documents') && o.method === 'GET' && o.doc.response);
    expect(ops.length).toBeGreaterThanOrEqual(2);
    for (const op of ops) {
      const r = await api(app, a.tokens.viewer, 'GET', op.path.replace(':id', doc.id));
      expect(r.status, op.path).toBe(200);
      const parsed = op.doc.response!.safeParse(r.json);
      expect(parsed.success, `${op.path}: ${parsed.success ? '' : JSON.stringify(parsed.error.issues.slice(0, 3))}`).toBe(true);
    }
    const openapi = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    expect(openapi.paths['/api/v1/documents'].post.description).toContain('multipart/form-data');
  });

  it('lets a viewer download but not upload, change or delete', async () => {
    const doc = (await apiUpload(app, a.tokens.manager, '/api/v1/documents', { category: 'policy' }, { filename: 'policy.txt', data: TEXT })).json;
    expect((await apiUpload(app, a.tokens.viewer, '/api/v1/documents', { category: 'policy' }, { filename: 'v.txt', data: TEXT })).status).toBe(403);
    expect((await apiUpload(app, a.tokens.viewer, `/api/v1/documents/${doc.id}/versions`, {}, { filename: 'v.txt', data: TEXT })).status).toBe(403);
    expect((await api(app, a.tokens.viewer, 'PATCH', `/api/v1/documents/${doc.id}`, { tags: ['x'] })).status).toBe(403);
    expect((await api(app, a.tokens.engineer, 'DELETE', `/api/v1/documents/${doc.id}`)).status).toBe(403);
    expect((await download(a.tokens.viewer, `/api/v1/documents/${doc.id}/versions/1/download`)).statusCode).toBe(200);
    const viewer = await signedInAgent(app, a.users.viewer.email);
    const page = await viewer.get(`/o/docs-a/documents/${doc.id}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('Upload new version');
    const dl = await viewer.get(`/o/docs-a/documents/${doc.id}/versions/1/download`);
    expect(dl.statusCode).toBe(200);
    expect(dl.headers['content-security-policy']).toBe('sandbox');
    expect(dl.body).toBe(TEXT.toString());
    expect((await pageUpload(app, viewer, '/o/docs-a/documents', { category: 'policy' }, { filename: 'v.txt', data: TEXT })).statusCode).toBe(403);
  });

  it('uploads through the page, naming each field at fault, and refuses a form without its CSRF token', async () => {
    const agent = await signedInAgent(app, a.users.engineer.email);
    const form = await agent.get('/o/docs-a/documents/new');
    expect(form.body).toContain('enctype="multipart/form-data"');
    expect(form.body).toContain('govuk-file-upload');
    const bad = await pageUpload(app, agent, '/o/docs-a/documents', { category: '', 'reviewDate-day': '31', 'reviewDate-month': '2', 'reviewDate-year': '2027' });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('govuk-error-summary');
    for (const [field, message] of [['file', 'Select a file to upload'], ['category', 'Choose a category'], ['reviewDate', 'Review date must be a real date']]) {
      expect(bad.body).toContain(`href="#${field}"`);
      expect(bad.body).toContain(message);
    }
    const refused = await pageUpload(app, agent, '/o/docs-a/documents', { category: 'other' }, { filename: 'page.html', data: HTML });
    expect(refused.statusCode).toBe(415);
    expect(refused.body).toContain('web page, SVG image or script');
    const forged = await pageUpload(app, agent, '/o/docs-a/documents', { category: 'other' }, { filename: 'x.txt', data: TEXT }, { csrf: false });
    expect(forged.statusCode).toBe(403);
    const good = await pageUpload(app, agent, '/o/docs-a/documents', { category: 'signage-photo', target: `site:${siteId}`, tags: 'entrance', title: 'Entrance sign' }, { filename: 'sign.jpg', data: Buffer.concat([PNG, Buffer.from('v1')]) });
    expect(good.statusCode).toBe(303);
    const show = await agent.get(good.headers.location as string);
    expect(show.body).toContain('Entrance sign');
    expect(show.body).toContain('Document “Entrance sign” uploaded');
    expect(show.body).toContain('sign.png');
    expect(show.body).toContain('Town Hall');
    // A new version through the page, then details changed, then the document deleted after the confirm page.
    const docPath = (good.headers.location as string);
    const v2 = await pageUpload(app, agent, `${docPath}/versions`, {}, { filename: 'sign-2026.png', data: Buffer.concat([PNG, Buffer.from('v2')]) });
    expect(v2.statusCode).toBe(303);
    expect((await agent.get(docPath)).body).toContain('Version 2 uploaded');
    const edit = await agent.post(docPath, { title: 'Entrance sign (north)', category: 'signage-photo', tags: 'entrance, north', 'reviewDate-day': '1', 'reviewDate-month': '6', 'reviewDate-year': '2027' });
    expect(edit.statusCode).toBe(303);
    const shown = await agent.get(docPath);
    expect(shown.body).toContain('1 June 2027');
    expect(shown.body).toContain('Changed document Entrance sign (north)');
    const attach = await agent.post(`${docPath}/attach`, { target: `system:${systemId}` });
    expect(attach.statusCode).toBe(303);
    const detach = await agent.post(`${docPath}/detach`, { targetType: 'site', targetId: siteId });
    expect(detach.statusCode).toBe(303);
    expect((await agent.get(docPath)).body).toContain('Detached Entrance sign (north) from site Town Hall');
    const list = await agent.get('/o/docs-a/documents?tag=north');
    expect(list.body).toContain('Entrance sign (north)');
    const manager = await signedInAgent(app, a.users.manager.email);
    expect((await manager.get(`${docPath}/delete`)).body).toContain('Delete document “Entrance sign (north)”?');
    const blobsBefore = blobFiles(filesDir).length;
    expect((await manager.post(`${docPath}/delete`, {})).statusCode).toBe(303);
    expect((await manager.get(docPath)).statusCode).toBe(404);
    // Both versions' bytes were used by this document only, so they are gone from storage too.
    expect(blobFiles(filesDir).length).toBe(blobsBefore - 2);
  });
});

describeEachDb('documents: size limit', (db) => {
  let app: FastifyInstance;
  let org: OrgFixture;
  let filesDir: string;
  beforeAll(async () => {
    filesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sightline-files-'));
    app = await createTestApp(db(), { SIGHTLINE_FILES_DIR: filesDir, SIGHTLINE_MAX_UPLOAD_MB: '1' });
    org = await createOrgFixture(db(), 'limits');
  });
  afterAll(async () => { await app?.close(); fs.rmSync(filesDir, { recursive: true, force: true }); });

  it('refuses a file over the limit with 413 and stores nothing, whether or not the size was declared up front', async () => {
    const justOver = Buffer.concat([PDF, Buffer.alloc(1024 * 1024, 0x20)]);
    const r = await apiUpload(app, org.tokens.manager, '/api/v1/documents', { category: 'other' }, { filename: 'big.pdf', data: justOver });
    expect(r.status).toBe(413);
    expect(r.json.error.message).toBe('The selected file must be smaller than 1 MB');
    const huge = await apiUpload(app, org.tokens.manager, '/api/v1/documents', { category: 'other' }, { filename: 'huge.pdf', data: Buffer.concat([PDF, Buffer.alloc(3 * 1024 * 1024, 0x20)]) });
    expect(huge.status).toBe(413);
    const agent = await signedInAgent(app, org.users.manager.email);
    const page = await pageUpload(app, agent, '/o/limits/documents', { category: 'other' }, { filename: 'big.pdf', data: justOver });
    expect(page.statusCode).toBe(413);
    expect(page.body).toContain('href="#file"');
    expect(page.body).toContain('The selected file must be smaller than 1 MB');
    expect(blobFiles(filesDir)).toEqual([]);
    expect((await api(app, org.tokens.viewer, 'GET', '/api/v1/documents')).json.items).toEqual([]);
    // Exactly at the limit is fine.
    const atLimit = Buffer.concat([PDF, Buffer.alloc(1024 * 1024 - PDF.length, 0x20)]);
    expect((await apiUpload(app, org.tokens.manager, '/api/v1/documents', { category: 'other' }, { filename: 'ok.pdf', data: atLimit })).status).toBe(201);
  });

  it('leaves the rest of the app refusing multipart bodies', async () => {
    const body = (await import('./fixtures')).multipart({ name: 'Depot' });
    const r = await app.inject({ method: 'POST', url: '/api/v1/sites', payload: body.payload, headers: { authorization: `Bearer ${org.tokens.manager}`, 'content-type': body.contentType } });
    expect(r.statusCode).toBe(415);
  });
});
