import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeEachDb } from '../helpers/db';
import { api, createOrgFixture, createTestApp, signedInAgent, type OrgFixture } from '../helpers/app';
import { PRINCIPLES } from '../../src/domain/compliance';
import { listOperations } from '../../src/web/openapi';

// A system's self-assessment through the API: scope, the 12 principles, evidence, actions, completion, the next
// year's version and what changed, what Sightline derives from the register, and publishing.

/** Answers every closed question a person must answer with `answer`, and every open one with some words. */
async function answerAll(app: FastifyInstance, token: string, systemId: string, answer: string, words = 'As described in our policy') {
  for (const p of PRINCIPLES) {
    const answers = p.questions.filter((q) => !q.derived).map((q) => (q.kind === 'closed' ? { questionId: q.id, answer } : { questionId: q.id, text: `${words} (${q.id})` }));
    const r = await api(app, token, 'PATCH', `/api/v1/systems/${systemId}/assessment/answers`, { principle: p.number, answers });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
  }
}

describeEachDb('self-assessment', (db, kind) => {
  let app: FastifyInstance;
  let org: OrgFixture;
  let other: OrgFixture;
  let systemId: string;
  let siteId: string;
  let axisId: string;

  beforeAll(async () => {
    app = await createTestApp(db());
    org = await createOrgFixture(db(), 'selfco');
    other = await createOrgFixture(db(), 'otherco');
    siteId = (await api(app, org.tokens.manager, 'POST', '/api/v1/sites', { name: 'Civic Centre', sensitive: true, sensitiveReason: 'Council chamber' })).json.id;
    systemId = (await api(app, org.tokens.manager, 'POST', '/api/v1/systems', { name: 'Civic CCTV', purpose: 'Protect staff and visitors', owner: 'Head of Facilities', retentionDays: 30, siteIds: [siteId] })).json.id;
    axisId = (await api(app, org.tokens.engineer, 'POST', '/api/v1/assets', { kind: 'camera', manufacturer: 'Axis', model: 'P3245-LVE', mac: '00:40:8C:00:00:11', serial: 'AX-11', siteId, systemId })).json.id;
  });
  afterAll(async () => { await app?.close(); });

  it('walks a whole assessment through the API and refuses to complete with questions unanswered', async () => {
    const empty = await api(app, org.tokens.viewer, 'GET', `/api/v1/systems/${systemId}/assessment`);
    expect(empty.json).toEqual({ assessment: null });
    expect((await api(app, org.tokens.viewer, 'POST', `/api/v1/systems/${systemId}/assessments`)).status).toBe(403);
    const started = await api(app, org.tokens.manager, 'POST', `/api/v1/systems/${systemId}/assessments`);
    expect(started.status).toBe(201);
    expect(started.json.summary).toMatchObject({ version: 1, status: 'draft' });
    // The scope starts from the register: the system's site, its camera and its purpose.
    expect(started.json.document.scope).toMatchObject({ sites: [{ id: siteId, name: 'Civic Centre' }], purposes: ['Protect staff and visitors'] });
    expect(started.json.document.scope.assets.map((a: any) => a.id)).toEqual([axisId]);
    expect((await api(app, org.tokens.manager, 'POST', `/api/v1/systems/${systemId}/assessments`)).status).toBe(409);

    const badScope = await api(app, org.tokens.manager, 'PATCH', `/api/v1/systems/${systemId}/assessment/scope`, { siteIds: [siteId], assetIds: [], purposes: [] });
    expect(badScope.status).toBe(422);
    expect(badScope.json.error.fields.purposes).toBe('Give at least one purpose');
    const scope = await api(app, org.tokens.manager, 'PATCH', `/api/v1/systems/${systemId}/assessment/scope`, { siteIds: [siteId], assetIds: [axisId], purposes: ['Protect staff and visitors', 'Deter vandalism'], annualReviewDate: '2020-01-15' });
    expect(scope.status).toBe(200);
    expect(scope.json.document.scope.purposes).toEqual(['Protect staff and visitors', 'Deter vandalism']);

    const derivedRefused = await api(app, org.tokens.manager, 'PATCH', `/api/v1/systems/${systemId}/assessment/answers`, { principle: 9, answers: [{ questionId: 'p9.findings', answer: 'yes' }] });
    expect(derivedRefused.status).toBe(422);
    expect(derivedRefused.json.error.fields['answers.0.answer']).toMatch(/Sightline keeps this answer current/);
    const wrongPrinciple = await api(app, org.tokens.manager, 'PATCH', `/api/v1/systems/${systemId}/assessment/answers`, { principle: 2, answers: [{ questionId: 'p1.reviewed', answer: 'yes' }] });
    expect(wrongPrinciple.json.error.fields['answers.0.questionId']).toBe('p1.reviewed is not a question of principle 2');

    const partial = await api(app, org.tokens.manager, 'PATCH', `/api/v1/systems/${systemId}/assessment/answers`, { principle: 1, answers: [{ questionId: 'p1.reviewed', answer: 'no', note: 'Not reviewed since 2019' }] });
    expect(partial.json.document.principles[0].rating).toBe('red');
    const tooSoon = await api(app, org.tokens.manager, 'POST', `/api/v1/systems/${systemId}/assessment/complete`);
    expect(tooSoon.status).toBe(422);
    expect(tooSoon.json.error.fields['p2.dpia']).toMatch(/Principle 2/);

    await answerAll(app, org.tokens.manager, systemId, 'yes');
    await api(app, org.tokens.manager, 'PATCH', `/api/v1/systems/${systemId}/assessment/answers`, { principle: 1, answers: [{ questionId: 'p1.reviewed', answer: 'yes', note: 'Reviewed by the March board' }] });
    const ev = await api(app, org.tokens.manager, 'POST', `/api/v1/systems/${systemId}/assessment/evidence`, { principle: 9, kind: 'asset', refId: axisId });
    expect(ev.status).toBe(201);
    expect(ev.json).toMatchObject({ kind: 'asset', label: 'camera Axis P3245-LVE (serial AX-11)', verified: true });
    const visit = await api(app, org.tokens.engineer, 'POST', '/api/v1/maintenance/visits', { target: { type: 'system', id: systemId }, status: 'done', visitDate: '2026-03-02', notes: 'Cleaned domes' });
    expect(visit.status, JSON.stringify(visit.json)).toBe(201);
    const visitEvidence = await api(app, org.tokens.manager, 'POST', `/api/v1/systems/${systemId}/assessment/evidence`, { principle: 8, kind: 'maintenance', refId: visit.json.id });
    expect(visitEvidence.json).toMatchObject({ kind: 'maintenance', label: 'Maintenance visit on 2026-03-02 (done)', verified: true });
    const otherSite = (await api(app, other.tokens.manager, 'POST', '/api/v1/sites', { name: 'Other site' })).json.id;
    const smuggled = await api(app, org.tokens.manager, 'POST', `/api/v1/systems/${systemId}/assessment/evidence`, { principle: 3, kind: 'site', refId: otherSite });
    expect(smuggled.status).toBe(422);

    const badOwner = await api(app, org.tokens.manager, 'POST', `/api/v1/systems/${systemId}/assessment/actions`, { principle: 10, title: 'Hold the annual review', ownerId: other.users.admin.id, dueDate: '2020-02-01' });
    expect(badOwner.json.error.fields.ownerId).toBe('The owner must be a member of this organisation');
    const action = await api(app, org.tokens.manager, 'POST', `/api/v1/systems/${systemId}/assessment/actions`, { principle: 10, title: 'Hold the annual review', ownerId: org.users.manager.id, dueDate: '2020-02-01' });
    expect(action.status).toBe(201);
    expect(action.json.status).toBe('open');

    const current = (await api(app, org.tokens.viewer, 'GET', `/api/v1/systems/${systemId}/assessment`)).json.assessment;
    const p10 = current.document.principles[9];
    // The annual review recorded is years old: Sightline says No, so principle 10 is red whatever else was answered.
    expect(p10.answers.find((a: any) => a.questionId === 'p10.annual-review')).toMatchObject({ answer: 'no', derived: { data: { lastReview: '2020-01-15' } } });
    expect(p10.rating).toBe('red');
    expect(current.document.principles[5].answers[0].derived.says).toContain('30 days');
    expect(current.document.principles[0].rating).toBe('green');

    const done = await api(app, org.tokens.manager, 'POST', `/api/v1/systems/${systemId}/assessment/complete`);
    expect(done.status).toBe(200);
    expect(done.json.summary).toMatchObject({ version: 1, status: 'completed', completedBy: 'token manager token' });
    expect(done.json.document.completedAt).toBeTruthy();
    expect((await api(app, org.tokens.manager, 'PATCH', `/api/v1/systems/${systemId}/assessment/answers`, { principle: 1, answers: [{ questionId: 'p1.reviewed', answer: 'yes' }] })).status).toBe(409);

    // The overdue action shows on the dashboard and the overview.
    const agent = await signedInAgent(app, org.users.viewer.email);
    expect((await agent.get('/o/selfco/compliance')).body).toContain('Hold the annual review');
    expect((await agent.get('/o/selfco')).body).toContain('1 compliance action is overdue');
    const done2 = await api(app, org.tokens.manager, 'PATCH', `/api/v1/systems/${systemId}/assessment/actions/${action.json.id}`, { status: 'done' });
    expect(done2.json.status).toBe('done');
    expect((await agent.get('/o/selfco/compliance')).body).not.toContain('Hold the annual review');
  });

  it('starts next year from the last version and shows what changed, question by question', async () => {
    const next = await api(app, org.tokens.manager, 'POST', `/api/v1/systems/${systemId}/assessments`);
    expect(next.status).toBe(201);
    expect(next.json.summary.version).toBe(2);
    expect(next.json.previousVersion).toBe(1);
    expect(next.json.changes.every((c: any) => c.change === 'same')).toBe(true);
    expect(next.json.document.principles[0].answers.find((a: any) => a.questionId === 'p1.reviewed')).toMatchObject({ answer: 'yes' });
    expect(next.json.document.principles[8].evidence).toHaveLength(1);
    expect(next.json.document.annualReviewDate).toBe('2020-01-15');

    const changed = await api(app, org.tokens.manager, 'PATCH', `/api/v1/systems/${systemId}/assessment/answers`, { principle: 2, answers: [{ questionId: 'p2.consulted', answer: 'partly', note: 'Residents only' }] });
    const c = changed.json.changes.find((x: any) => x.questionId === 'p2.consulted');
    expect(c).toEqual({ questionId: 'p2.consulted', principle: 2, change: 'changed', before: { answer: 'yes', openText: null, note: null } });
    expect(next.json.document.principles[0].answers.find((a: any) => a.questionId === 'p1.reviewed').note).toBe('Reviewed by the March board');
    expect(changed.json.changes.filter((x: any) => x.change === 'changed')).toHaveLength(1);
    const today = new Date().toISOString().slice(0, 10);
    await api(app, org.tokens.manager, 'PATCH', `/api/v1/systems/${systemId}/assessment/scope`, { siteIds: [siteId], assetIds: [axisId], purposes: ['Protect staff and visitors'], annualReviewDate: today });
    const v2 = await api(app, org.tokens.manager, 'POST', `/api/v1/systems/${systemId}/assessment/complete`);
    expect(v2.json.document.principles[9].rating).toBe('green');
    // Version 1 is frozen as it was.
    const v1 = (await api(app, org.tokens.viewer, 'GET', `/api/v1/systems/${systemId}/assessment?version=1`)).json.assessment;
    expect(v1.document.principles[9].rating).toBe('red');
    expect(v1.document.principles[1].answers.find((a: any) => a.questionId === 'p2.consulted').answer).toBe('yes');
    const list = (await api(app, org.tokens.viewer, 'GET', `/api/v1/systems/${systemId}/assessments`)).json.items;
    expect(list.map((x: any) => [x.version, x.status])).toEqual([[2, 'completed'], [1, 'completed']]);
    expect((await api(app, org.tokens.viewer, 'GET', `/api/v1/systems/${systemId}/assessment?version=7`)).status).toBe(404);
  });

  it('keeps principle 9 current: a finding opening on one of the system’s devices turns it red, and completion freezes it', async () => {
    await api(app, org.tokens.manager, 'POST', `/api/v1/systems/${systemId}/assessments`);
    const before = (await api(app, org.tokens.viewer, 'GET', `/api/v1/systems/${systemId}/assessment`)).json.assessment.document.principles[8];
    expect(before.answers[0]).toMatchObject({ questionId: 'p9.findings', answer: 'yes' });
    expect(before.rating).toBe('green');
    // A Hikvision-made camera on a sensitive site opens a critical finding.
    const hik = await api(app, org.tokens.engineer, 'POST', '/api/v1/assets', { kind: 'camera', manufacturer: 'Hikvision', model: 'DS-2CD2143G2-I', mac: '44:19:B6:00:00:42', siteId, systemId });
    expect(hik.status).toBe(201);
    const after = (await api(app, org.tokens.viewer, 'GET', `/api/v1/systems/${systemId}/assessment`)).json.assessment.document.principles[8];
    expect(after.answers[0].answer).toBe('no');
    expect(after.answers[0].derived.says).toMatch(/critical or high/);
    expect(after.answers[0].derived.data.open).toBeGreaterThanOrEqual(1);
    expect(after.rating).toBe('red');
    const done = await api(app, org.tokens.manager, 'POST', `/api/v1/systems/${systemId}/assessment/complete`);
    expect(done.json.document.principles[8].answers[0].answer).toBe('no');
    // Removing the device resolves the finding; the live view would change, the completed version does not.
    await api(app, org.tokens.manager, 'DELETE', `/api/v1/assets/${hik.json.id}`);
    const frozen = (await api(app, org.tokens.viewer, 'GET', `/api/v1/systems/${systemId}/assessment?version=3`)).json.assessment.document.principles[8];
    expect(frozen.answers[0].answer).toBe('no');
  });

  it('publishes only what was chosen, at an unguessable link that can be taken down', async () => {
    const r = await api(app, org.tokens.manager, 'POST', `/api/v1/systems/${systemId}/assessment/publication`, { version: 1, settings: { answers: true, openAnswers: false, notes: true, actions: true, actionOwners: false, evidence: false } });
    expect(r.status).toBe(200);
    expect(r.json.live).toBe(true);
    const url = new URL(r.json.url);
    expect(url.pathname).toMatch(/^\/p\/self-assessment\/[A-Za-z0-9_-]{40,}$/);
    const page = await app.inject({ method: 'GET', url: url.pathname });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Civic CCTV');
    expect(page.body).toContain('Reviewed by the March board'); // a note: published
    expect(page.body).toContain('Hold the annual review'); // an action: published
    expect(page.body).not.toContain('As described in our policy'); // written answers: not published
    expect(page.body).not.toContain('manager of selfco'); // action owner: not published
    expect(page.body).not.toContain('serial AX-11'); // evidence: not published
    expect(page.body).not.toMatch(/certif/i);
    const pdf = await app.inject({ method: 'GET', url: `${url.pathname}.pdf` });
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    const published = await api(app, org.tokens.viewer, 'GET', `/api/v1/systems/${systemId}/assessment/published?version=1`);
    expect(published.json.page.principles[0].answers.some((a: any) => a.openText !== undefined)).toBe(false);

    expect((await api(app, other.tokens.admin, 'POST', `/api/v1/systems/${systemId}/assessment/publication`, { settings: {} })).status).toBe(404);
    expect((await api(app, org.tokens.manager, 'DELETE', `/api/v1/systems/${systemId}/assessment/publication?version=1`)).status).toBe(204);
    expect((await app.inject({ method: 'GET', url: url.pathname })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: `${url.pathname}.pdf` })).statusCode).toBe(404);
    // Publishing again makes a new link; the old one stays dead.
    const again = await api(app, org.tokens.manager, 'POST', `/api/v1/systems/${systemId}/assessment/publication`, { version: 1, settings: {} });
    expect(new URL(again.json.url).pathname).not.toBe(url.pathname);
    expect((await app.inject({ method: 'GET', url: url.pathname })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: new URL(again.json.url).pathname })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/p/self-assessment/not-a-real-token-at-all-1234567890' })).statusCode).toBe(404);
  });

  it('answers every documented self-assessment GET with its documented shape, before and after an assessment exists', async () => {
    const fresh = (await api(app, org.tokens.manager, 'POST', '/api/v1/systems', { name: 'Depot CCTV', purpose: 'Protect vehicles', owner: 'Fleet manager', retentionDays: 14 })).json.id;
    const ops = listOperations().filter((o) => o.doc.tag === 'Self-assessment' && o.method === 'GET' && o.doc.response);
    expect(ops.length).toBeGreaterThanOrEqual(3);
    for (const id of [fresh, systemId]) {
      for (const op of ops) {
        const r = await api(app, org.tokens.viewer, 'GET', op.path.replace(':id', id));
        expect(r.status, op.path).toBe(200);
        const parsed = op.doc.response!.safeParse(r.json);
        expect(parsed.success, `${op.path}: ${parsed.success ? '' : JSON.stringify(parsed.error.issues.slice(0, 3))}`).toBe(true);
      }
    }
  });

  it('keeps each organisation’s assessments to itself', async () => {
    for (const [method, url, body] of [
      ['GET', `/api/v1/systems/${systemId}/assessments`], ['GET', `/api/v1/systems/${systemId}/assessment`], ['GET', `/api/v1/systems/${systemId}/assessment/published`],
      ['POST', `/api/v1/systems/${systemId}/assessments`], ['PATCH', `/api/v1/systems/${systemId}/assessment/answers`, { principle: 1, answers: [] }],
      ['POST', `/api/v1/systems/${systemId}/assessment/complete`], ['DELETE', `/api/v1/systems/${systemId}/assessment/publication`],
    ] as const) {
      const r = await api(app, other.tokens.admin, method, url, body);
      expect(r.status, `${method} ${url}`).toBe(404);
      expect(r.res.body).not.toContain('Civic');
    }
    const agent = await signedInAgent(app, other.users.admin.email);
    for (const url of [`/o/otherco/compliance/systems/${systemId}`, `/o/otherco/compliance/systems/${systemId}/versions/1`, `/o/selfco/compliance`]) {
      const r = await agent.get(url);
      expect(r.statusCode, url).toBe(404);
    }
    expect((await agent.get('/o/otherco/compliance')).body).not.toContain('Civic');
  });

  it('pages: links and removes evidence, shows what changed since last time, and keeps viewers to reading', async () => {
    const agent = await signedInAgent(app, org.users.manager.email);
    const home = `/o/selfco/compliance/systems/${systemId}`;
    await agent.get(home);
    expect((await agent.post(`${home}/start`, {})).statusCode).toBe(303);
    const p3 = await agent.get(`${home}/principles/3`);
    expect(p3.body).toContain('Same as version 3');
    const form = { 'q-p3-signage-answer': 'no', 'q-p3-signage-note': 'Two signs missing', 'q-p3-contact-answer': 'yes', 'q-p3-complaints-answer': 'maybe', 'q-p3-where-published-text': 'As described in our policy (p3.where-published)' };
    const bad = await agent.post(`${home}/principles/3`, form);
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('href="#q-p3-complaints-answer"');
    expect(bad.body).toContain('Two signs missing');
    expect((await agent.post(`${home}/principles/3`, { ...form, 'q-p3-complaints-answer': 'yes' })).headers.location).toBe(`${home}/principles/4`);
    const again = await agent.get(`${home}/principles/3`);
    expect(again.body).toContain('Changed since version 3');
    expect(again.body).toContain('govuk-tag--red');
    const linked = await agent.post(`${home}/principles/3/evidence`, { evidence: `site:${siteId}` });
    expect(linked.statusCode).toBe(303);
    const withEvidence = await agent.get(`${home}/principles/3`);
    const evidenceId = /name="removeEvidence" value="([0-9a-f-]{36})"/.exec(withEvidence.body)![1];
    expect(withEvidence.body).toContain('Site: <a class="govuk-link" href="/o/selfco/sites/');
    expect((await agent.post(`${home}/principles/3/evidence`, { evidence: 'site:00000000-0000-7000-8000-000000000000' })).body).toContain('No site with that id in this organisation');
    expect((await agent.post(`${home}/evidence/${evidenceId}/delete`, {})).statusCode).toBe(303);
    expect((await agent.get(`${home}/principles/3`)).body).toContain('No evidence linked yet');
    const check = (await agent.get(`${home}/complete`)).body;
    // Signage, and principle 9: the Hikvision camera has gone since version 3 froze, so Sightline's answer changed too.
    expect(check).toContain('2 answers have changed since version 3');

    const viewer = await signedInAgent(app, org.users.viewer.email);
    expect((await viewer.get(home)).statusCode).toBe(200);
    expect((await viewer.get(`${home}/versions/2`)).body).toContain('Changed');
    expect((await viewer.get(`${home}/principles/1`)).statusCode).toBe(403);
    expect((await viewer.post(`${home}/complete`, {})).statusCode).toBe(403);
    const pdf = await viewer.get(`${home}/versions/1/self-assessment.pdf`);
    expect(pdf.headers['content-type']).toBe('application/pdf');
  });

  it('answers principle 10 from an annual system review visit recorded in Maintenance', async () => {
    const draft = await api(app, org.tokens.manager, 'POST', `/api/v1/systems/${systemId}/assessments`);
    expect([201, 409]).toContain(draft.status); // 409: the earlier page test left a draft open, which serves as well
    await api(app, org.tokens.manager, 'PATCH', `/api/v1/systems/${systemId}/assessment/scope`, { siteIds: [siteId], assetIds: [axisId], purposes: ['Protect staff and visitors'], annualReviewDate: '2020-01-15' });
    const p10 = async () => (await api(app, org.tokens.viewer, 'GET', `/api/v1/systems/${systemId}/assessment`)).json.assessment.document.principles[9].answers[0];
    expect((await p10()).answer).toBe('no');
    const schedule = await api(app, org.tokens.manager, 'POST', '/api/v1/maintenance/schedules', {
      title: 'Civic CCTV annual review', target: { type: 'system', id: systemId }, rrule: 'FREQ=YEARLY', startDate: '2025-06-01', template: 'annual-system-review',
    });
    expect(schedule.status).toBe(201);
    const visitDate = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const visit = await api(app, org.tokens.engineer, 'POST', '/api/v1/maintenance/visits', { scheduleId: schedule.json.id, visitDate });
    expect(visit.status).toBe(201);
    const answer = await p10();
    expect(answer.answer).toBe('yes');
    expect(answer.derived.says).toContain(`The last annual review was on ${visitDate} (a visit recorded on the annual system review schedule in Maintenance)`);
    expect(answer.derived.says).not.toContain(org.users.engineer.email);
  });

  it('writes the published self-assessment from the command line as PDF or HTML', () => {
    const env = { ...process.env, ...(kind === 'sqlite' ? { DATA_DIR: path.dirname(db().file!), DATABASE_URL: '' } : { DATABASE_URL: db().url! }) };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sl-report-'));
    try {
      const html = path.join(dir, 'sa.html');
      execFileSync('node', ['bin/sightline.mjs', 'report', '--org', 'selfco', '--kind', 'self-assessment', '--system', systemId, '--version', '1', '--format', 'html', '--out', html], { env, stdio: 'pipe' });
      const text = fs.readFileSync(html, 'utf8');
      expect(text).toContain('Civic CCTV');
      expect(text).toContain('<style>');
      expect(text).not.toMatch(/certif/i);
      const pdf = path.join(dir, 'sa.pdf');
      execFileSync('node', ['bin/sightline.mjs', 'report', '--org', 'selfco', '--kind', 'self-assessment', '--system', systemId, '--format', 'pdf', '--out', pdf], { env, stdio: 'pipe' });
      expect(fs.readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');
      let err = '';
      try { execFileSync('node', ['bin/sightline.mjs', 'report', '--org', 'selfco', '--kind', 'self-assessment', '--format', 'docx', '--out', pdf], { env, stdio: 'pipe' }); } catch (e: any) { err = String(e.stderr); }
      expect(err).toContain('self-assessment comes as pdf or html');
    } finally { fs.rmSync(dir, { recursive: true, force: true }); }
  });
});
