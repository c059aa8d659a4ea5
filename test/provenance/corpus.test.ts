// The shipped catalogue over the labelled corpus: the PRC flag must never fall on non-PRC kit or on unknowns,
// must catch PRC kit (relabelled or not), and the named producer must be right nearly always.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalogueRuntime } from '../../src/catalog';
import { identify } from '../../src/domain/provenance';
import type { DeviceEvidence, Verdict } from '../../src/domain/provenance-types';

interface CorpusRecord extends DeviceEvidence {
  id: string;
  case: string;
  expect: { origin: string | null; nilSubject: boolean | null; conflict?: boolean };
}

const corpus: CorpusRecord[] = fs.readFileSync(path.join(__dirname, '../fixtures/provenance-corpus.jsonl'), 'utf8')
  .split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));

describe('provenance corpus (shipped catalogue)', () => {
  const rt = catalogueRuntime();
  const results: { r: CorpusRecord; v: Verdict }[] = corpus.map((r) => ({ r, v: identify(rt.compiled, r) }));
  const show = (xs: typeof results) => xs.map(({ r, v }) => `${r.id} ${r.case}: expected ${r.expect.origin}/${r.expect.nilSubject}, got ${v.origin}/${v.nilSubject} (${v.confidence})`);

  it('is big enough and covers PRC kit, non-PRC controls and unknowns', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(160);
    expect(corpus.filter((r) => r.expect.nilSubject === true).length).toBeGreaterThanOrEqual(80);
    expect(corpus.filter((r) => r.expect.nilSubject === false).length).toBeGreaterThanOrEqual(30);
    expect(corpus.filter((r) => r.expect.origin === null).length).toBeGreaterThanOrEqual(15);
    expect(new Set(corpus.map((r) => r.id)).size).toBe(corpus.length);
  });

  it('never flags a non-PRC control or an unknown device as subject to the PRC National Intelligence Law', () => {
    const falseFlags = results.filter(({ r, v }) => r.expect.nilSubject !== true && v.nilSubject === true);
    expect(show(falseFlags)).toEqual([]);
  });

  it('never calls an unknown device "not subject": unknown stays unknown', () => {
    const wrong = results.filter(({ r, v }) => r.expect.nilSubject === null && v.nilSubject !== null);
    expect(show(wrong)).toEqual([]);
  });

  it('finds PRC kit, relabelled or not (recall ≥ 0.98)', () => {
    const prc = results.filter(({ r }) => r.expect.nilSubject === true);
    const missed = prc.filter(({ v }) => v.nilSubject !== true);
    const recall = (prc.length - missed.length) / prc.length;
    if (missed.length) console.log(`nilSubject recall ${recall.toFixed(3)}; missed:\n  ${show(missed).join('\n  ')}`);
    expect(recall).toBeGreaterThanOrEqual(0.98);
  });

  it('names the right producer (origin accuracy ≥ 0.9)', () => {
    const wrong = results.filter(({ r, v }) => r.expect.origin !== v.origin);
    const accuracy = (results.length - wrong.length) / results.length;
    console.log(`origin accuracy ${accuracy.toFixed(3)} (${results.length - wrong.length}/${results.length})${wrong.length ? `; wrong:\n  ${show(wrong).join('\n  ')}` : ''}`);
    expect(accuracy).toBeGreaterThanOrEqual(0.9);
  });

  it('reports the conflicts the corpus marks, and none where label and evidence agree', () => {
    const missing = results.filter(({ r, v }) => r.expect.conflict === true && v.conflicts.length === 0);
    expect(show(missing)).toEqual([]);
    const plain = results.filter(({ r, v }) => r.expect.conflict === undefined && r.expect.origin !== null && v.conflicts.length > 0
      && r.brand && v.evidence.some((e) => e.kind === 'label' && e.company === v.origin));
    expect(plain.map(({ r, v }) => `${r.id}: ${v.conflicts.map((c) => c.message).join('; ')}`)).toEqual([]);
  });

  it('explains every flag: each verdict with an origin has evidence for it, with a source', () => {
    for (const { r, v } of results) {
      if (!v.origin) continue;
      expect(v.evidence.some((e) => e.company === v.origin && e.weight > 0 && e.indicates), r.id).toBe(true);
      for (const e of v.evidence) if (e.company) expect(e.source, `${r.id} ${e.ruleId}`).toBeTruthy();
    }
  });
});
