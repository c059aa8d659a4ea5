import type { Kysely } from 'kysely';
import { catalogueRuntime } from '../../catalog';
import { renderFinding, type FindingParams, type FindingWords } from '../../domain/policy';
import { packEvidence } from '../../domain/provenance';
import type { EvidenceItem } from '../../domain/provenance-types';

// 0014: derived text stored once. A finding kept its title, action, detail and citation as text (about 760 bytes
// each) and a verdict its evidence sentences (about 860); both are now rendered on read from the rule and what
// varies. Existing rows are converted so they read back the same words: a finding's parameters are read out of
// its detail, and any word the rule no longer renders identically is kept as written (FindingParams.text); an
// evidence sentence the catalogue does not give back for its rule is kept with the item (packEvidence).

const BATCH = 1000;

const US_LIST_IDS: Record<string, string> = { 'NDAA §889': 'ndaa-889', 'FCC Covered List': 'fcc-covered', 'Commerce Entity List': 'commerce-entity', 'DoD 1260H list': 'dod-1260h' };

/** The parameters a version-1 rule's detail was written from (rendering them gives the detail back, checked below). */
export function paramsFromDetail(rule: string, detail: string): FindingParams {
  let m: RegExpMatchArray | null;
  switch (rule) {
    case 'uk-nil-sensitive-site':
      m = detail.match(/^Produced by (.+) \((\d+)% confidence\), a company subject to the PRC National Intelligence Law, at (.+), a sensitive site\.$/s);
      return m ? { maker: m[1], confidence: Number(m[2]), site: m[3] } : {};
    case 'uk-nil-core-network':
      m = detail.match(/^Produced by (.+), a company subject to the PRC National Intelligence Law, and connected to (.+), a core network\.$/s);
      return m ? { maker: m[1], network: m[2] } : {};
    case 'uk-nil-other-site':
      m = detail.match(/^Produced by (.+), a company subject to the PRC National Intelligence Law, at (.+)\.$/s);
      return m ? { maker: m[1], site: m[2] === 'no recorded site' ? null : m[2] } : {};
    case 'unknown-provenance-exposed':
      m = detail.match(/^Who produced this device is not known(?:, and it is at (.+?), a sensitive site)?(?:(?: and|, and it is) on (.+), a core network)?\.$/s);
      return m ? { ...(m[1] !== undefined ? { site: m[1] } : {}), ...(m[2] !== undefined ? { network: m[2] } : {}) } : {};
    case 'evidence-conflict':
      return { conflicts: [detail] };
    case 'us-lists-info':
      m = detail.match(/^(.+) is on: (.+)\.$/s);
      return m ? {
        maker: m[1],
        lists: m[2].split('; ').map((part) => {
          const l = part.match(/^(.+?)(?: \(since (.+)\))?$/s)!;
          return { list: US_LIST_IDS[l[1]] ?? l[1], since: l[2] ?? null };
        }),
      } : {};
    default:
      return {};
  }
}

/** Parameters that render exactly the words stored before 0014 (the words kept where the rule no longer gives them). */
export function paramsForStoredWords(rule: string, version: number, stored: FindingWords): FindingParams {
  const params = paramsFromDetail(rule, stored.detail);
  const rendered = renderFinding(rule, version, params);
  const text: Partial<FindingWords> = {};
  if (rendered.title !== stored.title) text.title = stored.title;
  if (rendered.action !== stored.action) text.action = stored.action;
  if (rendered.detail !== stored.detail) text.detail = stored.detail;
  if (JSON.stringify(rendered.citation) !== JSON.stringify(stored.citation)) text.citation = stored.citation;
  return Object.keys(text).length ? { ...params, text } : params;
}

export async function derivedTextUp(db: Kysely<any>) {
  await db.schema.alterTable('findings').addColumn('params_json', 'text', (c) => c.notNull().defaultTo('{}')).execute();
  for (let after = ''; ;) {
    const rows = await db.selectFrom('findings').select(['id', 'rule', 'rule_version', 'title', 'action', 'detail', 'citation_json'])
      .where('id', '>', after).orderBy('id').limit(BATCH).execute();
    if (!rows.length) break;
    for (const r of rows) {
      const params = paramsForStoredWords(r.rule, Number(r.rule_version), { title: r.title, action: r.action, detail: r.detail, citation: JSON.parse(r.citation_json) });
      await db.updateTable('findings').set({ params_json: JSON.stringify(params) }).where('id', '=', r.id).execute();
    }
    after = rows[rows.length - 1].id;
  }
  for (const column of ['title', 'action', 'detail', 'citation_json']) await db.schema.alterTable('findings').dropColumn(column).execute();

  // Evidence is rendered with the shipped catalogue on read, so it is packed against that one.
  const compiled = catalogueRuntime().compiled;
  for (let after = ''; ;) {
    const rows = await db.selectFrom('asset_provenance').select(['asset_id', 'evidence_json'])
      .where('asset_id', '>', after).orderBy('asset_id').limit(BATCH).execute();
    if (!rows.length) break;
    for (const r of rows) {
      const items = JSON.parse(r.evidence_json) as unknown[];
      if (!items.length || Array.isArray(items[0])) continue;
      await db.updateTable('asset_provenance').set({ evidence_json: JSON.stringify(packEvidence(compiled, items as EvidenceItem[])) })
        .where('asset_id', '=', r.asset_id).execute();
    }
    after = rows[rows.length - 1].asset_id;
  }
}
