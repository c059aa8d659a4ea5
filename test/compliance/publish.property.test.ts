import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import zlib from 'node:zlib';
import {
  buildPrinciples, CLOSED_ANSWERS, PRINCIPLES, PUBLISH_FIELDS, publicView, type AssessmentDocument, type Derived, type PublishSettings, type StoredAnswer,
} from '../../src/domain/compliance';
import { publicHtml, publicPdf } from '../../src/modules/compliance/publish';
import { createViews } from '../../src/web/views';

// Whatever the answers and whatever the organisation ticked, the published page (HTML and the PDF's text) never
// contains anything from a field left unticked, and does contain what was ticked. Each piece of text carries a unique
// marker, so its presence or absence can be checked exactly.

/** The text a PDF shows: every content stream inflated, and the strings of its text operators joined up. */
function pdfText(pdf: Buffer): string {
  const raw = pdf.toString('latin1');
  let out = '';
  const re = /(?<!end)stream\r?\n/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(raw))) {
    const start = m.index + m[0].length;
    const end = raw.indexOf('endstream', start);
    if (end < 0) break;
    const bytes = Buffer.from(raw.slice(start, end), 'latin1');
    let content: string;
    try { content = zlib.inflateSync(bytes).toString('latin1'); } catch { content = bytes.toString('latin1'); }
    for (const op of content.matchAll(/\[([^\]]*)\]\s*TJ|<([0-9a-fA-F]*)>\s*Tj|\(((?:\\.|[^\\)])*)\)\s*Tj/g)) {
      if (op[1] !== undefined) {
        for (const part of op[1].matchAll(/<([0-9a-fA-F]*)>|\(((?:\\.|[^\\)])*)\)/g)) out += part[1] !== undefined ? Buffer.from(part[1], 'hex').toString('latin1') : part[2];
      } else if (op[2] !== undefined) out += Buffer.from(op[2], 'hex').toString('latin1');
      else out += op[3];
    }
    out += '\n';
    re.lastIndex = end + 9;
  }
  return out;
}

type Field = keyof PublishSettings;
interface Marked { marker: string; field: Field; needs?: Field }

const views = createViews();

describe('published self-assessment', () => {
  it('the PDF text extractor reads what pdfkit writes (so the absence checks below mean something)', async () => {
    const doc = sampleDoc(new Map(), 'MKPROBE1');
    const pdf = await publicPdf(publicView('Probe council', doc, Object.fromEntries(PUBLISH_FIELDS.map((f) => [f.key, true])) as unknown as PublishSettings));
    expect(pdfText(pdf)).toContain('MKPROBE1');
    expect(pdfText(pdf)).toContain('Principle 12');
  });

  it('never shows a field marked unpublished, in the HTML page or the PDF', async () => {
    const answerArb = fc.record({
      answer: fc.option(fc.constantFrom(...CLOSED_ANSWERS), { nil: null }),
      withText: fc.boolean(), withNote: fc.boolean(),
    });
    const questionCount = PRINCIPLES.reduce((n, p) => n + p.questions.length, 0);
    const settingsArb = fc.record(Object.fromEntries(PUBLISH_FIELDS.map((f) => [f.key, fc.boolean()])) as Record<Field, fc.Arbitrary<boolean>>);
    await fc.assert(fc.asyncProperty(
      fc.array(answerArb, { minLength: questionCount, maxLength: questionCount }), settingsArb, fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }), fc.string({ minLength: 4, maxLength: 4, unit: fc.constantFrom(...'abcdefghjk') }),
      async (answers, settings, evidencePerPrinciple, actionsPerPrinciple, salt) => {
        const marks: Marked[] = [];
        let i = 0;
        const mark = (field: Field, needs?: Field) => { const marker = `MK${salt}${field.slice(0, 3)}${i++}X`; marks.push({ marker, field, needs }); return marker; };
        const stored = new Map<string, StoredAnswer>();
        let k = 0;
        for (const p of PRINCIPLES) for (const q of p.questions) {
          const a = answers[k++];
          stored.set(q.id, { answer: q.kind === 'closed' ? a.answer : null, text: q.kind === 'open' && a.withText ? `Our answer ${mark('openAnswers')}` : null, note: a.withNote ? `Note ${mark('notes')}` : null });
        }
        const says = mark('derived');
        const derived: Record<string, Derived> = Object.fromEntries(['findings', 'annual-review', 'retention'].map((s) => [s, { answer: 'partly', says: `Register fact ${says}`, data: {} }]));
        const evidence = PRINCIPLES.flatMap((p) => Array.from({ length: evidencePerPrinciple }, (_, j) => ({ id: `e${p.number}-${j}`, principle: p.number, kind: 'document' as const, refId: `r${j}`, label: `Policy ${mark('evidence')}`, verified: true })));
        const actions = PRINCIPLES.flatMap((p) => Array.from({ length: actionsPerPrinciple }, (_, j) => ({
          id: `a${p.number}-${j}`, principle: p.number, title: `Fix ${mark('actions')}`, ownerId: 'u', ownerName: `Owner ${mark('actionOwners', 'actions')}`, dueDate: '2027-03-31', status: 'open' as const,
        })));
        const doc: AssessmentDocument = {
          systemId: 's', systemName: 'Town centre CCTV', version: 2, annualReviewDate: '2026-01-01', completedAt: '2026-06-01T10:00:00.000Z', completedBy: `Assessor ${mark('__never' as Field)}`,
          scope: { sites: [{ id: 's1', name: `Market Square ${mark('scope')}` }], assets: [{ id: 'a1', label: `camera Axis ${mark('__never' as Field)}` }], purposes: [`Reduce crime ${mark('scope')}`] },
          principles: buildPrinciples(stored, derived as any, evidence, actions),
        };
        const view = publicView('Testshire Council', doc, settings);
        const html = publicHtml(views, view);
        const pdf = pdfText(await publicPdf(view));
        expect(html).not.toMatch(/certified/i);
        expect(pdf).not.toMatch(/certified/i);
        for (const m of marks) {
          const shown = (settings as any)[m.field] === true && (!m.needs || settings[m.needs]);
          // Derived facts only show on the questions Sightline answers; every other field shows wherever it was given.
          if (shown) { expect(html, `${m.field} ${m.marker} in HTML`).toContain(m.marker); expect(pdf, `${m.field} ${m.marker} in PDF`).toContain(m.marker); }
          else { expect(html, `${m.field} ${m.marker} leaked into HTML`).not.toContain(m.marker); expect(pdf, `${m.field} ${m.marker} leaked into PDF`).not.toContain(m.marker); }
        }
      }), { numRuns: 40 });
  });
});

/** A document with one open answer carrying `marker`. */
function sampleDoc(stored: Map<string, StoredAnswer>, marker: string): AssessmentDocument {
  stored.set('p1.what-for', { answer: null, text: `Purpose ${marker}`, note: null });
  return {
    systemId: 's', systemName: 'Probe', version: 1, annualReviewDate: null, completedAt: '2026-01-01T00:00:00.000Z', completedBy: 'x',
    scope: { sites: [], assets: [], purposes: ['p'] }, principles: buildPrinciples(stored, {}, [], []),
  };
}
