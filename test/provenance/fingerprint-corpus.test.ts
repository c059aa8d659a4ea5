// The shipped catalogue over devices as real networks describe them (public fingerprint collections: rapid7/recog
// and nmap-service-probes, test/fixtures/fingerprint-corpus.jsonl, built by bench/fingerprint-corpus.ts), with brand
// and model blank as a scan leaves them. Targets (issue 11) on cases whose maker the evidence shows: origin accuracy
// ≥ 0.90, wrong maker ≤ 1 %, PRC-NIL recall ≥ 0.97, no false PRC-NIL, ≥ 98 % right among verdicts at confidence ≥ 0.9.
// On generic or shared strings: never a PRC-NIL flag the evidence cannot carry.
import { describe, expect, it } from 'vitest';
import { groupTable, kindsOf, loadFingerprintCorpus, scoreFingerprints, type Outcome } from '../../bench/fingerprint-score';
import { catalogueRuntime } from '../../src/catalog';
import { EVIDENCE_FIELDS } from '../../src/catalog/types';
import { identify } from '../../src/domain/provenance';

const corpus = loadFingerprintCorpus();

describe('fingerprint corpus: shape and citations', () => {
  const inputFields = new Set<string>([...EVIDENCE_FIELDS, 'realms', 'service', 'port', 'services']);

  it('is big enough: clear cases (PRC-made among them) and generic strings', () => {
    const clear = corpus.filter((c) => c.clear);
    expect(clear.length).toBeGreaterThanOrEqual(250);
    expect(clear.filter((c) => c.expected.nilSubject === true).length).toBeGreaterThanOrEqual(30);
    expect(corpus.filter((c) => !c.clear).length).toBeGreaterThanOrEqual(100);
    expect(new Set(corpus.map((c) => c.id)).size).toBe(corpus.length);
    expect(new Set(corpus.map((c) => c.source.collection))).toEqual(new Set(['recog', 'nmap']));
  });

  it('every case cites its fingerprint and has a valid shape', () => {
    const bad: string[] = [];
    for (const c of corpus) {
      const s = c.source;
      if (!(s.collection === 'recog' ? /^xml\/\w+\.xml$/.test(s.file) && s.ref : s.file === 'nmap-service-probes' && Number.isInteger(s.line) && s.ref)) bad.push(`${c.id}: source`);
      if (s.example !== 'collection' && s.example !== 'written') bad.push(`${c.id}: example origin`);
      if (typeof c.clear !== 'boolean') bad.push(`${c.id}: clear`);
      if (c.clear && (typeof c.expected.origin !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(c.expected.origin) || typeof c.expected.nilSubject !== 'boolean')) bad.push(`${c.id}: a clear case names a maker and its PRC-NIL status`);
      if (!c.clear && (c.expected.origin !== null || ![true, false, null].includes(c.expected.nilSubject))) bad.push(`${c.id}: an unclear case names no maker`);
      if (!c.clear && !c.note) bad.push(`${c.id}: an unclear case says why`);
      const kinds = kindsOf(c);
      if (!kinds.length) bad.push(`${c.id}: no evidence`);
      for (const k of kinds) if (!inputFields.has(k)) bad.push(`${c.id}: ${k} is not an identify input`);
      if ('brand' in c || 'model' in c) bad.push(`${c.id}: brand and model stay blank`);
      for (const k of kinds) if (typeof c[k] !== 'string' || !(c[k] as string).length) bad.push(`${c.id}: ${k} empty`);
      if ('rawResponse' in c && !c.service) bad.push(`${c.id}: a raw answer names its service`);
    }
    expect(bad).toEqual([]);
  });

  it('the same evidence never carries two different expectations', () => {
    const seen = new Map<string, string>();
    const clashes: string[] = [];
    for (const c of corpus) {
      const key = JSON.stringify(kindsOf(c).sort().map((k) => [k, c[k]]));
      const exp = JSON.stringify([c.expected, c.clear]);
      if (seen.has(key) && seen.get(key) !== exp) clashes.push(`${c.id}: ${key.slice(0, 120)}`);
      seen.set(key, exp);
    }
    expect(clashes).toEqual([]);
  });
});

describe('fingerprint corpus: the shipped catalogue identifies real devices', () => {
  const rt = catalogueRuntime();
  const scores = scoreFingerprints(corpus, (d) => identify(rt.compiled, d));
  const clear = scores.outcomes.filter((o) => o.c.clear);
  const line = ({ c, v }: Outcome) => `${c.id} [${kindsOf(c).join('+')}] expected ${c.expected.origin}/${c.expected.nilSubject}, got ${v.origin}/${v.nilSubject} (${v.confidence})`;
  const perField = () => ['', ...groupTable('evidence (clear cases)', scores.byKind), '', ...groupTable('collection', scores.byCollection)].join('\n');
  const list = (xs: Outcome[], max = 40) => `${xs.slice(0, max).map(line).join('\n')}${xs.length > max ? `\n… and ${xs.length - max} more` : ''}`;

  it('names the right maker (origin accuracy ≥ 0.90 on clear cases)', () => {
    const t = scores.clear;
    const missed = clear.filter((o) => o.v.origin !== o.c.expected.origin);
    expect(t.right / t.n, `origin accuracy ${(t.right / t.n).toFixed(3)} (${t.right}/${t.n})\n${perField()}\n\nmissed:\n${list(missed)}`).toBeGreaterThanOrEqual(0.9);
  });

  it('names a wrong maker at most 1 % of the time', () => {
    const wrong = clear.filter((o) => o.v.origin !== null && o.v.origin !== o.c.expected.origin);
    expect(wrong.length / clear.length, `wrong makers: ${wrong.length}\n${list(wrong)}`).toBeLessThanOrEqual(0.01);
  });

  it('flags PRC-made kit (PRC-NIL recall ≥ 0.97)', () => {
    const prc = clear.filter((o) => o.c.expected.nilSubject === true);
    const missed = prc.filter((o) => o.v.nilSubject !== true);
    expect((prc.length - missed.length) / prc.length, `PRC-NIL recall ${prc.length - missed.length}/${prc.length}\n${perField()}\n\nmissed:\n${list(missed)}`).toBeGreaterThanOrEqual(0.97);
  });

  it('never flags non-PRC kit as PRC-NIL', () => {
    expect(clear.filter((o) => o.c.expected.nilSubject === false && o.v.nilSubject === true).map(line)).toEqual([]);
  });

  it('is right at least 98 % of the time when it is at least 0.9 sure', () => {
    const confident = clear.filter((o) => o.v.origin !== null && (o.v.confidence ?? 0) >= 0.9);
    const wrong = confident.filter((o) => o.v.origin !== o.c.expected.origin);
    const share = confident.length ? (confident.length - wrong.length) / confident.length : 1;
    expect(share, `${confident.length - wrong.length}/${confident.length} right at ≥ 0.9\n${list(wrong)}`).toBeGreaterThanOrEqual(0.98);
  });

  it('gives no PRC-NIL flag on generic or shared strings unless every possible producer is PRC', () => {
    const unclear = scores.outcomes.filter((o) => !o.c.clear);
    expect(unclear.filter((o) => o.c.expected.nilSubject !== true && o.v.nilSubject === true).map((o) => `${line(o)}: ${o.c.note}`)).toEqual([]);
  });
});
