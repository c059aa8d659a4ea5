import { afterAll, beforeAll, expect, it, describe } from 'vitest';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/db';
import { migrateTo, migrateToLatest } from '../../src/platform/migrations';
import { createOrganisation } from '../../src/modules/organisations/service';
import { getFinding, listFindings } from '../../src/modules/findings/service';
import { evidenceFromAsset, provenanceOf } from '../../src/modules/provenance/service';
import { catalogueRuntime } from '../../src/catalog';
import { identify } from '../../src/domain/provenance';
import { evaluatePolicy, type PolicyInput } from '../../src/domain/policy';
import type { EvidenceItem } from '../../src/domain/provenance-types';
import type { OrgContext } from '../../src/platform/context';

// Migration 0014 stops storing findings' words and verdicts' evidence sentences. A database as the previous release
// left it (findings with title/action/detail/citation, verdicts with whole evidence items) must read back the same
// words after the migration, through the same services the pages, API and exports use.

const system = { type: 'system' as const, id: null, label: 'test' };
const now = '2026-12-01T10:00:00.000Z';

for (const kind of DB_KINDS) {
  describe(`migration 0014 keeps every word [${kind}]`, () => {
    let d: TestDatabase;
    let ctx: OrgContext;
    const before = new Map<string, { title: string; action: string; detail: string; citation: unknown }>();
    const evidenceBefore = new Map<string, EvidenceItem[]>();

    beforeAll(async () => {
      d = await createTestDatabase(kind, { migrate: false });
      await migrateTo(d.db, kind, '0013_asset_observations');
      const org = await createOrganisation(d.db, system, { slug: 'oldshape', name: 'Old shape council' });
      ctx = { db: d.db, orgId: org.id, orgSlug: 'oldshape', role: 'admin', actor: system };
      const db = d.db as any;
      const site = { id: '00000000-0000-7000-8000-000000000001', org_id: org.id, name: 'Town Hall', name_key: 'town hall', sensitive: 1, site_type: 'office', created_at: now, updated_at: now };
      const network = { id: '00000000-0000-7000-8000-000000000002', org_id: org.id, name: 'Corporate LAN', name_key: 'corporate lan', kind: 'core', cidrs: '[]', created_at: now, updated_at: now };
      await db.insertInto('sites').values(site).execute();
      await db.insertInto('networks').values(network).execute();

      const rt = catalogueRuntime();
      // Devices whose evidence and placement between them fire every rule, with real catalogue evidence.
      const devices = [
        { manufacturer: 'Acme Security', model: 'DS-2CD2143G2-I', mac: '44:19:B6:10:20:30', site: true, network: true },
        { manufacturer: 'Honeywell', model: 'IPC-HFW2431S', mac: '3C:EF:8C:01:02:03', site: false, network: false },
        { manufacturer: 'Nobody Knows Ltd', model: 'X1', mac: 'not-a-mac', site: true, network: true },
        { manufacturer: 'Nobody Knows Ltd', model: 'X2', mac: '02:00:00:00:00:01', site: true, network: false },
        { manufacturer: null, model: null, mac: 'AC:DE:48:00:11:22', site: false, network: true },
      ];
      let n = 0;
      for (const dev of devices) {
        n++;
        const asset = {
          id: `00000000-0000-7000-8000-0000000001${String(n).padStart(2, '0')}`, org_id: org.id, kind: 'camera', manufacturer: dev.manufacturer,
          manufacturer_key: (dev.manufacturer ?? '').toLowerCase(), model: dev.model, model_key: (dev.model ?? '').toLowerCase(), serial: `S${n}`, firmware: null,
          mac: dev.mac, ip: null, network_id: dev.network ? network.id : null, site_id: dev.site ? site.id : null, system_id: null, install_date: null,
          warranty_end: null, status: 'in-service', location: null, notes: null, search_text: `s${n}`, created_at: now, updated_at: now,
        };
        await db.insertInto('assets').values(asset).execute();
        const v = identify(rt.compiled, evidenceFromAsset(asset as any));
        const evidence = n === 1 ? [...v.evidence, { kind: 'override', value: 'Hikvision', company: v.origin, indicates: 'Words the catalogue cannot give back', weight: 0.5, source: 'organisation-record' } as EvidenceItem] : v.evidence;
        evidenceBefore.set(asset.id, evidence);
        await db.insertInto('asset_provenance').values({
          asset_id: asset.id, org_id: org.id, origin: v.origin, nil_subject: v.nilSubject === null ? null : v.nilSubject ? 1 : 0, confidence: v.confidence,
          evidence_json: JSON.stringify(evidence), conflicts_json: JSON.stringify(v.conflicts), catalogue_version: v.catalogueVersion, evaluated_at: now, platform_json: null,
        }).execute();
        const company = v.origin ? rt.companies.get(v.origin) : undefined;
        const input: PolicyInput = {
          assetId: asset.id, status: 'in-service', site: dev.site ? { id: site.id, name: site.name, sensitive: true } : null,
          network: dev.network ? { id: network.id, name: network.name, kind: 'core' } : null, verdict: v, originName: company?.name ?? null, originFlags: company?.flags ?? [],
        };
        const found = evaluatePolicy(input);
        // Words written by an earlier release that today's rule no longer renders, and a rule since retired.
        if (n === 2) found.push({ ...found[0], rule: 'retired-rule', title: 'A rule this release no longer has', action: 'Do what it said', detail: 'Why it said so', params: {} });
        if (n === 3) found[0] = { ...found[0], title: 'Unknown provenance (as an earlier release worded it)' };
        let k = 0;
        for (const f of found) {
          const id = `00000000-0000-7000-8000-0000000002${String(n)}${String(++k)}`;
          before.set(id, { title: f.title, action: f.action, detail: f.detail, citation: f.citation });
          await db.insertInto('findings').values({
            id, org_id: org.id, asset_id: asset.id, rule: f.rule, rule_version: f.ruleVersion, severity: f.severity, status: 'open', title: f.title, action: f.action,
            detail: f.detail, citation_json: JSON.stringify(f.citation), catalogue_version: v.catalogueVersion, first_seen_at: now, last_seen_at: now,
          }).execute();
        }
      }
      await migrateToLatest(d.db, kind);
    });
    afterAll(async () => { await d?.dispose(); });

    it('covers every rule in the old shape', async () => {
      const rows = await (d.db as any).selectFrom('findings').select(['rule']).execute();
      expect([...new Set(rows.map((r: any) => r.rule))].sort()).toEqual(['evidence-conflict', 'retired-rule', 'uk-nil-core-network', 'uk-nil-other-site',
        'uk-nil-sensitive-site', 'unknown-provenance-exposed', 'us-lists-info']);
      // Unknown provenance worded three ways: site and network, site only, network only.
      expect([...before.values()].filter((f) => f.detail.startsWith('Who produced')).map((f) => f.detail)).toHaveLength(3);
    });

    it('reads back each finding with the words it had, one by one and in the list', async () => {
      for (const [id, words] of before) {
        const f = await getFinding(ctx, id);
        expect({ id, title: f.title, action: f.action, detail: f.detail, citation: f.citation }).toEqual({ id, ...words });
      }
      const list = await listFindings(ctx, { limit: '500' });
      expect(list.items).toHaveLength(before.size);
      for (const f of list.items) expect({ title: f.title, action: f.action, detail: f.detail, citation: f.citation }).toEqual(before.get(f.id));
    });

    it('stores parameters, not words, where today’s rule renders them', async () => {
      const rows = await (d.db as any).selectFrom('findings').select(['id', 'rule', 'params_json']).execute();
      const kept = rows.filter((r: any) => JSON.parse(r.params_json).text).map((r: any) => r.rule).sort();
      // Only the retired rule and the reworded title keep text.
      expect(kept).toEqual(['retired-rule', 'unknown-provenance-exposed']);
      const sensitive = rows.find((r: any) => r.rule === 'uk-nil-sensitive-site');
      expect(JSON.parse(sensitive.params_json)).toEqual({ maker: expect.any(String), confidence: expect.any(Number), site: 'Town Hall' });
    });

    it('reads back each verdict’s evidence sentences, keeping the one the catalogue cannot give', async () => {
      for (const [assetId, items] of evidenceBefore) {
        const v = await provenanceOf(ctx, assetId);
        const shown = v!.evidence.map(({ kind, value, company, indicates, weight, ruleId, source, platform }) => ({ kind, value, company, indicates, weight, ruleId, source, platform }));
        expect(shown).toEqual(items.map(({ kind, value, company, indicates, weight, ruleId, source, platform }) => ({ kind, value, company, indicates, weight, ruleId, source, platform })));
      }
      const rows = await (d.db as any).selectFrom('asset_provenance').select(['evidence_json']).execute();
      const stored = rows.flatMap((r: any) => JSON.parse(r.evidence_json));
      expect(stored.every(Array.isArray)).toBe(true);
      expect(stored.filter((s: unknown[]) => s.length === 8).map((s: unknown[]) => s[7])).toEqual(['Words the catalogue cannot give back']);
    });
  });
}
