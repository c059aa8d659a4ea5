import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { describeEachDb } from '../helpers/db';
import { api, createOrgFixture, createTestApp, signedInAgent, type OrgFixture } from '../helpers/app';
import { createAsset, updateAsset } from '../../src/modules/assets/service';
import type { OrgContext } from '../../src/platform/context';

const todayUk = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(new Date());
const daysFrom = (iso: string, n: number) => new Date(Date.parse(`${iso}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

const sections = {
  whyNeeded: ['tracking', 'public-monitoring'], whyNeededNotes: 'Covers a children’s play area.', regime: 'both', controller: 'Northam Council (controller)',
  processingNature: 'Cameras record continuously to an NVR in the depot.', processingScope: 'About 2,000 people a day.', processingContext: 'Residents expect cameras in the car park.',
  processingPurposes: 'Deter and detect vehicle crime.', lawfulBasis: 'Public task (Article 6(1)(e)).', consultation: 'Residents’ panel, March 2026.',
  necessity: 'Lighting alone did not reduce crime; masks hide the neighbouring gardens.',
};
const risk = { description: 'Neighbouring gardens are recorded', likelihood: 'possible', severity: 'significant', mitigation: 'Privacy masking', residualRisk: 'low', approvedBy: 'J. Patel, SIRO' };

describeEachDb('DPIAs', (db) => {
  let app: FastifyInstance;
  let org: OrgFixture;
  let other: OrgFixture;
  let ctx: OrgContext;
  const ids: Record<string, string> = {};
  const mgr = () => org.tokens.manager;

  const signOff = (dpiaId: string, over: Record<string, unknown> = {}) => api(app, mgr(), 'POST', `/api/v1/dpias/${dpiaId}/sign-off`, {
    dpoName: 'A. Okafor', dpoAdvice: 'Proceed with masking.', dpoAdviceAccepted: true, approvedBy: 'J. Patel, SIRO', outcome: 'proceed-with-changes',
    signedOffOn: todayUk(), reviewDate: daysFrom(todayUk(), 300), ...over,
  });
  /** A system with two cameras and a DPIA ready to sign off. */
  const systemWithDpia = async (name: string) => {
    const system = (await api(app, mgr(), 'POST', '/api/v1/systems', { name, purpose: 'Crime prevention', owner: 'Head of Estates', retentionDays: 31, siteIds: [ids.depot] })).json;
    for (const [location, serial] of [['Car park 1', `${name}-1`], ['Car park 2', `${name}-2`]]) {
      await api(app, mgr(), 'POST', '/api/v1/assets', { kind: 'camera', manufacturer: 'Axis', model: 'P3245-LVE', firmware: '10.12.1', serial, location, siteId: ids.depot, systemId: system.id });
    }
    const dpia = (await api(app, mgr(), 'POST', '/api/v1/dpias', { systemId: system.id, ...sections })).json;
    await api(app, mgr(), 'POST', `/api/v1/dpias/${dpia.id}/risks`, risk);
    return { systemId: system.id as string, dpiaId: dpia.id as string };
  };

  beforeAll(async () => {
    app = await createTestApp(db());
    org = await createOrgFixture(db(), 'northam');
    other = await createOrgFixture(db(), 'southam');
    ctx = { db: db().db, orgId: org.id, orgSlug: 'northam', role: 'manager', actor: { type: 'system', id: null, label: 'test' } };
    ids.depot = (await api(app, mgr(), 'POST', '/api/v1/sites', { name: 'Depot' })).json.id;
    ids.hall = (await api(app, mgr(), 'POST', '/api/v1/sites', { name: 'Town Hall' })).json.id;
  });
  afterAll(async () => { await app?.close(); });

  it('round-trips every section, and lists the system’s cameras live from the register while a draft', async () => {
    const { dpiaId } = await systemWithDpia('Round trip');
    const got = await api(app, org.tokens.viewer, 'GET', `/api/v1/dpias/${dpiaId}`);
    expect(got.status).toBe(200);
    expect(got.json.current).toMatchObject({ ...sections, whyNeeded: ['public-monitoring', 'tracking'], version: 1, status: 'draft', camerasFrozen: false });
    expect(got.json.state).toBe('draft');
    expect(got.json.current.cameras.map((c: any) => [c.name, c.manufacturer, c.model, c.siteName, c.status])).toEqual([
      ['Car park 1', 'Axis', 'P3245-LVE', 'Depot', 'in-service'], ['Car park 2', 'Axis', 'P3245-LVE', 'Depot', 'in-service'],
    ]);
    const patched = await api(app, mgr(), 'PATCH', `/api/v1/dpias/${dpiaId}`, { consultation: 'Residents and police, April 2026', regime: 'uk-gdpr' });
    expect(patched.json.current).toMatchObject({ ...sections, whyNeeded: ['public-monitoring', 'tracking'], consultation: 'Residents and police, April 2026', regime: 'uk-gdpr', version: 1 });
    const bad = await api(app, mgr(), 'PATCH', `/api/v1/dpias/${dpiaId}`, { regime: 'gdpr', whyNeeded: ['vibes'], colour: 'red' });
    expect(bad.status).toBe(422);
    expect(Object.keys(bad.json.error.fields).sort()).toEqual(['colour', 'regime', 'whyNeeded.0']);
  });

  it('starts from what the register says, and allows one DPIA per system', async () => {
    const system = (await api(app, mgr(), 'POST', '/api/v1/systems', { name: 'Prefill', purpose: 'Protect the library', owner: 'Librarian', retentionDays: 14 })).json;
    const d = await api(app, mgr(), 'POST', '/api/v1/dpias', { systemId: system.id });
    expect(d.status).toBe(201);
    expect(d.json.current).toMatchObject({ processingPurposes: 'Protect the library', processingScope: 'Images are kept for 14 days, then deleted.' });
    const again = await api(app, mgr(), 'POST', '/api/v1/dpias', { systemId: system.id });
    expect(again.status).toBe(409);
    expect(again.json.error.fields).toHaveProperty('systemId');
    expect((await api(app, org.tokens.viewer, 'POST', '/api/v1/dpias', { systemId: system.id })).status).toBe(403);
  });

  it('computes each risk’s overall level and recomputes it when likelihood or severity change', async () => {
    const { dpiaId } = await systemWithDpia('Scoring');
    const added = await api(app, mgr(), 'POST', `/api/v1/dpias/${dpiaId}/risks`, { description: 'Footage leaks', likelihood: 'remote', severity: 'severe' });
    expect(added.status).toBe(201);
    expect(added.json).toMatchObject({ overall: 'medium', position: 2, residualRisk: null });
    const changed = await api(app, mgr(), 'PATCH', `/api/v1/dpias/${dpiaId}/risks/${added.json.id}`, { likelihood: 'probable' });
    expect(changed.json).toMatchObject({ overall: 'high', severity: 'severe', description: 'Footage leaks' });
    const bad = await api(app, mgr(), 'POST', `/api/v1/dpias/${dpiaId}/risks`, { description: '', likelihood: 'likely', severity: 'severe' });
    expect(Object.keys(bad.json.error.fields).sort()).toEqual(['description', 'likelihood']);
  });

  it('refuses to sign off until the sections and risks are complete, naming what is missing', async () => {
    const system = (await api(app, mgr(), 'POST', '/api/v1/systems', { name: 'Unready', purpose: 'x', owner: 'y', retentionDays: 30 })).json;
    const d = (await api(app, mgr(), 'POST', '/api/v1/dpias', { systemId: system.id })).json;
    await api(app, mgr(), 'POST', `/api/v1/dpias/${d.id}/risks`, { description: 'Misuse', likelihood: 'possible', severity: 'severe' });
    const r = await signOff(d.id);
    expect(r.status).toBe(422);
    expect(Object.keys(r.json.error.fields).sort()).toEqual(['necessity', 'regime', 'risks', 'whyNeeded']);
    expect(r.json.error.fields.risks).toContain('risk 1');
    const badForm = await signOff(d.id, { reviewDate: daysFrom(todayUk(), 400), dpoAdviceAccepted: false });
    expect(badForm.json.error.fields).toMatchObject({ reviewDate: expect.stringContaining('within a year'), dpoAdviceResponse: expect.any(String) });
  });

  it('freezes the camera list at sign-off; editing afterwards starts a new draft and leaves the signed version as it was', async () => {
    const { systemId, dpiaId } = await systemWithDpia('Freeze');
    const signed = await signOff(dpiaId);
    expect(signed.status).toBe(200);
    expect(signed.json).toMatchObject({ state: 'signed-off', signedVersion: 1, reviewReasons: [] });
    expect(signed.json.current).toMatchObject({ status: 'signed-off', camerasFrozen: true, dpoName: 'A. Okafor', outcome: 'proceed-with-changes' });
    expect((await signOff(dpiaId)).status).toBe(409);

    // A third camera joins the system through the assets service.
    await createAsset(ctx, { kind: 'camera', manufacturer: 'Hikvision', model: 'DS-2CD2143', location: 'Car park 3', siteId: ids.depot, systemId });
    const after = (await api(app, org.tokens.viewer, 'GET', `/api/v1/dpias/${dpiaId}`)).json;
    expect(after.current.cameras).toHaveLength(2);
    expect(after.state).toBe('review-due');
    expect(after.reviewReasons.map((r: any) => r.reason)).toEqual([`Camera 'Car park 3' (DS-2CD2143) added to the system on ${todayUk()}`]);

    const edited = (await api(app, mgr(), 'PATCH', `/api/v1/dpias/${dpiaId}`, { consultation: 'Re-consulted on the new camera' })).json;
    expect(edited.current).toMatchObject({ version: 2, status: 'draft', consultation: 'Re-consulted on the new camera', necessity: sections.necessity, dpoName: null });
    expect(edited.current.cameras).toHaveLength(3);
    expect(edited.current.risks.map((r: any) => r.description)).toEqual([risk.description]);
    expect(edited.state).toBe('review-due');
    const v1 = (await api(app, org.tokens.viewer, 'GET', `/api/v1/dpias/${dpiaId}/versions/1`)).json;
    expect(v1).toMatchObject({ status: 'signed-off', consultation: sections.consultation });
    expect(v1.cameras).toHaveLength(2);

    // Changing a risk of the signed version by its old id changes its copy in the draft only.
    const oldRiskId = v1.risks[0].id;
    const r = await api(app, mgr(), 'PATCH', `/api/v1/dpias/${dpiaId}/risks/${oldRiskId}`, { residualRisk: 'medium' });
    expect(r.status).toBe(200);
    expect((await api(app, org.tokens.viewer, 'GET', `/api/v1/dpias/${dpiaId}/versions/1`)).json.risks[0].residualRisk).toBe('low');

    const v2 = await signOff(dpiaId);
    expect(v2.json).toMatchObject({ state: 'signed-off', signedVersion: 2, reviewReasons: [] });
    expect(v2.json.current.cameras).toHaveLength(3);
    expect(v2.json.versions.map((v: any) => [v.version, v.status])).toEqual([[1, 'signed-off'], [2, 'signed-off']]);
  });

  it('marks review due when a camera is moved between systems, or upgraded, through the assets service', async () => {
    const a = await systemWithDpia('Mover A');
    const b = await systemWithDpia('Mover B');
    await signOff(a.dpiaId);
    await signOff(b.dpiaId);
    const camera = (await api(app, mgr(), 'GET', `/api/v1/assets?system=${a.systemId}`)).json.items[0];
    await updateAsset(ctx, camera.id, { systemId: b.systemId });
    const [da, db_] = await Promise.all([a.dpiaId, b.dpiaId].map(async (id) => (await api(app, mgr(), 'GET', `/api/v1/dpias/${id}`)).json));
    const day = todayUk();
    expect(da.reviewReasons.map((r: any) => r.reason)).toEqual([`Camera 'Car park 1' (P3245-LVE) moved off the system on ${day}`]);
    expect(db_.reviewReasons.map((r: any) => r.reason)).toEqual([`Camera 'Car park 1' (P3245-LVE) moved onto the system on ${day}`]);

    const stay = (await api(app, mgr(), 'GET', `/api/v1/assets?system=${a.systemId}`)).json.items[0];
    await updateAsset(ctx, stay.id, { firmware: '11.0.0', siteId: ids.hall });
    const reasons = (await api(app, mgr(), 'GET', `/api/v1/dpias/${a.dpiaId}`)).json.reviewReasons.map((r: any) => r.reason);
    expect(reasons).toContain(`Camera 'Car park 2' (P3245-LVE) moved from Depot to Town Hall on ${day}`);
    expect(reasons).toContain(`Camera 'Car park 2' (P3245-LVE) firmware changed from 10.12.1 to 11.0.0 on ${day}`);
    // Reading again records nothing twice.
    expect((await api(app, mgr(), 'GET', `/api/v1/dpias/${a.dpiaId}`)).json.reviewReasons).toHaveLength(3);
    const trail = await db().db.selectFrom('audit_events').select(['action', 'actor_label']).where('org_id', '=', org.id).where('object_type', '=', 'dpia').where('object_id', '=', a.dpiaId).execute();
    expect(trail.filter((e) => e.action === 'review-due').map((e) => e.actor_label)).toEqual(['Sightline (DPIA review check)', 'Sightline (DPIA review check)']);
  });

  it('marks review due when ANPR is switched on', async () => {
    const { systemId, dpiaId } = await systemWithDpia('ANPR');
    await signOff(dpiaId);
    const f = await api(app, mgr(), 'PATCH', `/api/v1/systems/${systemId}/features`, { anpr: true });
    expect(f.json).toMatchObject({ anpr: true, biometrics: false });
    const d = (await api(app, mgr(), 'GET', `/api/v1/dpias/${dpiaId}`)).json;
    expect(d.state).toBe('review-due');
    expect(d.reviewReasons[0].reason).toMatch(/^Automatic number plate recognition \(ANPR\) enabled on the system on \d{4}-\d{2}-\d{2}$/);
    expect((await api(app, org.tokens.engineer, 'PATCH', `/api/v1/systems/${systemId}/features`, { biometrics: true })).status).toBe(403);
  });

  it('records review-due reasons from the periodic check, without anyone opening the DPIA', async () => {
    const { systemId, dpiaId } = await systemWithDpia('Unread');
    await signOff(dpiaId);
    await createAsset(ctx, { kind: 'camera', model: 'X1', location: 'Back gate', systemId });
    const before = await db().db.selectFrom('dpia_review_reasons').select('reason').where('dpia_id', '=', dpiaId).execute();
    expect(before).toEqual([]);
    await app.deps.jobs.enqueue('dpia.review-check', null);
    await app.deps.jobs.drain();
    const after = (await db().db.selectFrom('dpia_review_reasons').select('reason').where('dpia_id', '=', dpiaId).execute()).map((r) => r.reason).sort();
    expect(after).toEqual([`Camera 'Back gate' (X1) added to the system on ${todayUk()}`]);
  });

  it('marks review due once the review date has passed', async () => {
    const { dpiaId } = await systemWithDpia('Lapsed');
    // A DPIA signed off 300 days ago, recorded late, whose review date was yesterday.
    const r = await signOff(dpiaId, { signedOffOn: daysFrom(todayUk(), -300), reviewDate: daysFrom(todayUk(), -1) });
    expect(r.json.state).toBe('review-due');
    expect(r.json.reviewReasons.map((x: any) => x.reason)).toEqual([`The review date, ${daysFrom(todayUk(), -1)}, has passed`]);
  });

  it('keeps DPIAs to their organisation', async () => {
    const { systemId, dpiaId } = await systemWithDpia('Private');
    const riskId = (await api(app, mgr(), 'GET', `/api/v1/dpias/${dpiaId}`)).json.current.risks[0].id;
    for (const [method, url, body] of [
      ['GET', `/api/v1/dpias/${dpiaId}`], ['PATCH', `/api/v1/dpias/${dpiaId}`, { consultation: 'x' }], ['GET', `/api/v1/dpias/${dpiaId}/versions/1`],
      ['PATCH', `/api/v1/dpias/${dpiaId}/risks/${riskId}`, { description: 'x' }], ['DELETE', `/api/v1/dpias/${dpiaId}/risks/${riskId}`],
      ['POST', `/api/v1/dpias/${dpiaId}/risks`, risk], ['GET', `/api/v1/systems/${systemId}/features`], ['PATCH', `/api/v1/systems/${systemId}/features`, { anpr: true }],
    ] as const) {
      const r = await api(app, other.tokens.admin, method, url, body);
      expect(r.status, `${method} ${url}`).toBe(404);
    }
    expect((await api(app, other.tokens.admin, 'POST', '/api/v1/dpias', { systemId })).json.error.fields).toHaveProperty('systemId');
    expect((await api(app, other.tokens.admin, 'GET', '/api/v1/dpias')).json.items).toEqual([]);
    const agent = await signedInAgent(app, other.users.admin.email);
    expect((await agent.get(`/o/southam/compliance/dpias/${dpiaId}`)).statusCode).toBe(404);
    expect((await agent.get(`/o/northam/compliance/dpias/${dpiaId}`)).statusCode).toBe(404);
    expect((await api(app, mgr(), 'GET', `/api/v1/dpias/${dpiaId}`)).json.current.risks).toHaveLength(1);
  });

  it('works through the pages, with errors named by field', async () => {
    const system = (await api(app, mgr(), 'POST', '/api/v1/systems', { name: 'Paged', purpose: 'Safety', owner: 'Estates', retentionDays: 30 })).json;
    const agent = await signedInAgent(app, org.users.manager.email);
    const started = await agent.post('/o/northam/compliance/dpias', { systemId: system.id });
    expect(started.statusCode).toBe(303);
    const editUrl = started.headers.location as string;
    expect(editUrl).toMatch(/\/compliance\/dpias\/[0-9a-f-]{36}\/edit$/);
    const dpiaUrl = editUrl.replace(/\/edit$/, '');
    const bad = await agent.post(dpiaUrl, { regime: 'nonsense', necessity: 'x'.repeat(10_001) });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('href="#regime"');
    expect(bad.body).toContain('href="#necessity"');
    const ok = await agent.post(dpiaUrl, { whyNeeded: ['public-monitoring', 'audio'], regime: 'uk-gdpr', processingPurposes: 'Safety', necessity: 'Needed' });
    expect(ok.statusCode).toBe(303);
    const riskBad = await agent.post(`${dpiaUrl}/risks`, { description: '', likelihood: 'possible' });
    expect(riskBad.statusCode).toBe(422);
    expect(riskBad.body).toContain('href="#description"');
    expect(riskBad.body).toContain('href="#severity"');
    expect((await agent.post(`${dpiaUrl}/risks`, { ...risk })).statusCode).toBe(303);
    const signBad = await agent.post(`${dpiaUrl}/sign-off`, { dpoName: '', 'reviewDate-day': '31', 'reviewDate-month': '2', 'reviewDate-year': '2027' });
    expect(signBad.statusCode).toBe(422);
    for (const f of ['dpoName', 'dpoAdvice', 'dpoAdviceAccepted', 'outcome', 'reviewDate']) expect(signBad.body).toContain(`href="#${f}"`);
    const [y, m, d] = daysFrom(todayUk(), 200).split('-');
    const [ty, tm, td] = todayUk().split('-');
    const signed = await agent.post(`${dpiaUrl}/sign-off`, { dpoName: 'A. Okafor', dpoAdvice: 'Fine', dpoAdviceAccepted: 'yes', outcome: 'proceed', approvedBy: 'J. Patel',
      'signedOffOn-day': td, 'signedOffOn-month': tm, 'signedOffOn-year': ty, 'reviewDate-day': d, 'reviewDate-month': m, 'reviewDate-year': y });
    expect(signed.statusCode).toBe(303);
    const page = await agent.get(dpiaUrl);
    expect(page.body).toContain('Signed off');
    expect(page.body).toContain('Audio recording');
    expect(page.body).toContain('Neighbouring gardens are recorded');
  });
});
