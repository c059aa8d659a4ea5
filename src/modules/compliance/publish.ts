import type nunjucks from 'nunjucks';
import { RAG_RULE, RATING_LABELS, type PublicView } from '../../domain/compliance';
import { buildStylesheet, formatDate } from '../../web/views';
import { taggedPdf } from '../../platform/pdf';

// The two published forms of a self-assessment: an accessible HTML page and a tagged PDF. Both take only the
// PublicView, which holds nothing the organisation chose not to publish.

/** What the organisation says about itself: its own assessment, not an audit or endorsement by anyone else. */
export const STANDING = 'This is the organisation’s own self-assessment against the 12 guiding principles of the Surveillance Camera Code of Practice. It has not been audited or endorsed by a regulator.';

export function publicHtml(views: nunjucks.Environment, view: PublicView, opts: { standalone?: boolean; pdfHref?: string | null } = {}): string {
  return views.render('compliance/views/public.njk', {
    view, standing: STANDING, ragRule: RAG_RULE, ratingLabels: RATING_LABELS, completedOn: view.completedOn ? formatDate(view.completedOn) : null,
    // A file saved from the command line carries its stylesheet; the web page links it (the CSP allows no inline styles).
    inlineCss: opts.standalone ? buildStylesheet() : null, pdfHref: opts.pdfHref ?? null, formatDate,
  });
}

export function publicPdf(view: PublicView): Promise<Buffer> {
  const title = `Self-assessment: ${view.systemName}`;
  return taggedPdf({ Title: `${title} – ${view.organisation}`, Author: view.organisation, Subject: 'Surveillance Camera Code of Practice self-assessment', Creator: 'Sightline' }, (doc, el, root) => {
    const h = (level: 1 | 2 | 3, text: string) => el(`H${level}`, () => doc.moveDown(level === 1 ? 0 : 0.6).font('Helvetica-Bold').fontSize(({ 1: 20, 2: 14, 3: 11 } as const)[level]).text(text));
    const p = (text: string, o: { bold?: boolean; size?: number } = {}) => el('P', () => doc.font(o.bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(o.size ?? 10).text(text).moveDown(0.2));
    const list = (items: string[]) => {
      if (!items.length) return;
      const l = doc.struct('L');
      root.add(l);
      for (const item of items) l.add(doc.struct('LI', {}, () => doc.font('Helvetica').fontSize(10).text(`•  ${item}`, { indent: 6 })));
      l.end();
      doc.moveDown(0.3);
    };

    h(1, title);
    p(`${view.organisation} · version ${view.version}${view.completedOn ? ` · completed on ${formatDate(view.completedOn)}` : ''}`);
    p(STANDING);
    if (view.scope) {
      h(2, 'Scope');
      p(`Cameras covered: ${view.scope.cameras}`);
      p('Sites:', { bold: true });
      list(view.scope.sites.length ? view.scope.sites : ['None listed']);
      p('Purposes:', { bold: true });
      list(view.scope.purposes);
    }
    if (view.principles.some((x) => x.rating)) p(`How the ratings are set: ${RAG_RULE}`, { size: 9 });
    for (const pr of view.principles) {
      h(2, `Principle ${pr.number}: ${pr.title}${pr.rating ? ` – ${RATING_LABELS[pr.rating]}` : ''}`);
      p(pr.statement, { size: 9 });
      for (const a of pr.answers) {
        h(3, a.text);
        if (a.answer !== undefined) p(`Answer: ${a.answer}`);
        if (a.openText !== undefined) p(a.openText ?? 'Not answered');
        if (a.note) p(`Note: ${a.note}`);
        if (a.says) p(`Sightline says: ${a.says}`);
      }
      if (pr.evidence) { h(3, 'Evidence'); list(pr.evidence.length ? pr.evidence.map((e) => `${e.kind}: ${e.label}`) : ['None linked']); }
      if (pr.actions) {
        h(3, 'Action plan');
        list(pr.actions.length ? pr.actions.map((a) => `${a.title} – due ${formatDate(a.dueDate)}, ${a.status.toLowerCase()}${a.owner !== undefined ? `, owner: ${a.owner ?? 'not assigned'}` : ''}`) : ['No actions']);
      }
    }
    root.end();
  });
}
