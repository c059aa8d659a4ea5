// A verdict's evidence is stored as the rule that matched and the value it read (packEvidence); the sentences are
// rendered from the catalogue on read (unpackEvidence). Over every device of both corpora, what is read back is
// what the engine said, and the sentence is kept with an item only where the catalogue cannot give it back.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { catalogueRuntime } from '../../src/catalog';
import { identify, packEvidence, unpackEvidence } from '../../src/domain/provenance';
import type { DeviceEvidence } from '../../src/domain/provenance-types';

const read = (f: string) => fs.readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as DeviceEvidence);
const devices = [...read('test/fixtures/provenance-corpus.jsonl'), ...read('test/fixtures/fingerprint-corpus.jsonl')];

describe('evidence stored as rule and value', () => {
  const { compiled } = catalogueRuntime();
  const verdicts = devices.map((d) => identify(compiled, d));

  it('reads back every item of every verdict exactly as the engine gave it', () => {
    let items = 0;
    for (const v of verdicts) {
      const stored = JSON.parse(JSON.stringify(packEvidence(compiled, v.evidence)));
      expect(unpackEvidence(compiled, stored)).toEqual(v.evidence);
      items += v.evidence.length;
    }
    expect(items).toBeGreaterThan(800);
  });

  it('keeps no sentence the catalogue gives back, and is a fraction of the whole items’ size', () => {
    const packed = verdicts.map((v) => packEvidence(compiled, v.evidence));
    const kept = packed.flat().filter((s) => s.length === 8);
    // Every rule, brand, OUI and unmatched label or MAC sentence is rendered; none needs keeping.
    expect(kept).toEqual([]);
    const whole = verdicts.reduce((n, v) => n + JSON.stringify(v.evidence).length, 0);
    const stored = packed.reduce((n, p) => n + JSON.stringify(p).length, 0);
    expect(stored / whole).toBeLessThan(0.5);
  });
});
