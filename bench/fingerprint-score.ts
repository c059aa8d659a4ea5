// Scoring a classifier against test/fixtures/fingerprint-corpus.jsonl (built by bench/fingerprint-corpus.ts).
// Shared by bench/provenance.ts (figures) and test/provenance/fingerprint-corpus.test.ts (targets), so both
// count the same way.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DeviceEvidence } from '../src/domain/provenance-types';

export interface FingerprintCase {
  id: string;
  source: { collection: 'recog' | 'nmap'; file: string; ref: string; line?: number; commit?: string; revision?: string; example: 'collection' | 'written' };
  expected: { origin: string | null; nilSubject: boolean | null };
  clear: boolean;
  note?: string;
  [field: string]: unknown;
}

export const FINGERPRINT_CORPUS = fileURLToPath(new URL('../test/fixtures/fingerprint-corpus.jsonl', import.meta.url));

export function loadFingerprintCorpus(file = FINGERPRINT_CORPUS): FingerprintCase[] {
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as FingerprintCase);
}

const META = new Set(['id', 'source', 'expected', 'clear', 'note']);
/** What `sightline identify` is given for a case: its evidence fields, with its id; brand and model stay blank. */
export function evidenceOf(c: FingerprintCase): DeviceEvidence {
  const d: Record<string, unknown> = { id: c.id };
  for (const [k, v] of Object.entries(c)) if (!META.has(k)) d[k] = v;
  return d as DeviceEvidence;
}

/** The kinds of evidence a case carries (service and port only qualify a raw answer). */
export function kindsOf(c: FingerprintCase): string[] {
  return Object.keys(c).filter((k) => !META.has(k) && k !== 'service' && k !== 'port' && !(k === 'wwwAuthenticate' && 'realm' in c));
}

export interface Answer { origin: string | null; nilSubject: boolean | null; confidence?: number }
export interface Outcome { c: FingerprintCase; v: Answer }

export interface Tally {
  n: number; right: number; wrong: number; unknown: number;
  prc: number; prcFlagged: number; falseFlags: number; prcCleared: number;
  confident: number; confidentRight: number;
}

export function tally(outcomes: Outcome[]): Tally {
  const t: Tally = { n: 0, right: 0, wrong: 0, unknown: 0, prc: 0, prcFlagged: 0, falseFlags: 0, prcCleared: 0, confident: 0, confidentRight: 0 };
  for (const { c, v } of outcomes) {
    t.n++;
    if (v.origin === null) t.unknown++;
    else if (v.origin === c.expected.origin) t.right++;
    else t.wrong++;
    if (c.expected.nilSubject === true) {
      t.prc++;
      if (v.nilSubject === true) t.prcFlagged++;
      if (v.nilSubject === false) t.prcCleared++; // PRC kit called "not subject": the dangerous miss
    } else if (v.nilSubject === true) t.falseFlags++;
    if (v.origin !== null && (v.confidence ?? 0) >= 0.9) {
      t.confident++;
      if (v.origin === c.expected.origin) t.confidentRight++;
    }
  }
  return t;
}

export interface FingerprintScores {
  clear: Tally;                 // cases whose maker the evidence shows: the targets apply here
  unclear: Tally;               // generic or shared strings: no wrong PRC flag, no confident maker
  byCollection: Map<string, Tally>;
  byKind: Map<string, Tally>;   // a case counts under every kind of evidence it carries
  outcomes: Outcome[];
}

export function scoreFingerprints(cases: FingerprintCase[], classify: (d: DeviceEvidence) => Answer): FingerprintScores {
  const outcomes = cases.map((c) => ({ c, v: classify(evidenceOf(c)) }));
  const clear = outcomes.filter((o) => o.c.clear);
  const group = (key: (o: Outcome) => string[]) => {
    const m = new Map<string, Outcome[]>();
    for (const o of clear) for (const k of key(o)) m.set(k, [...(m.get(k) ?? []), o]);
    return new Map([...m].sort((a, z) => z[1].length - a[1].length).map(([k, os]) => [k, tally(os)]));
  };
  return {
    clear: tally(clear),
    unclear: tally(outcomes.filter((o) => !o.c.clear)),
    byCollection: group((o) => [o.c.source.collection]),
    byKind: group((o) => kindsOf(o.c)),
    outcomes,
  };
}

const ratio = (a: number, b: number) => (b ? (a / b).toFixed(3) : '–');
const pct = (a: number, b: number) => (b ? `${((100 * a) / b).toFixed(1)} %` : '–');

/** The headline row for one classifier on the clear cases. */
export function headlineRow(name: string, t: Tally): string {
  return `| ${name} | ${ratio(t.right, t.n)} (${t.right}/${t.n}) | ${t.wrong} (${pct(t.wrong, t.n)}) | ${t.unknown} | ${ratio(t.prcFlagged, t.prc)} (${t.prcFlagged}/${t.prc}) | ${t.falseFlags} | ${t.prcCleared} | ${t.confident ? `${pct(t.confidentRight, t.confident)} of ${t.confident}` : 'no verdict ≥ 0.9'} |`;
}
export const HEADLINE_HEADER = [
  '| classifier | origin accuracy | wrong maker | unknown | PRC-NIL recall | false PRC-NIL | PRC kit called "not subject" | right at confidence ≥ 0.9 |',
  '|---|---|---|---|---|---|---|---|',
];

/** A per-group table (evidence kind or collection) on the clear cases. */
export function groupTable(title: string, groups: Map<string, Tally>): string[] {
  const out = [`| ${title} | cases | right maker | wrong maker | unknown | PRC-made | PRC-NIL flagged | false PRC-NIL |`, '|---|---|---|---|---|---|---|---|'];
  for (const [k, t] of groups) out.push(`| ${k} | ${t.n} | ${t.right} (${pct(t.right, t.n)}) | ${t.wrong} | ${t.unknown} | ${t.prc} | ${t.prcFlagged} | ${t.falseFlags} |`);
  return out;
}
