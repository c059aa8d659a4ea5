import { csvText } from '../../platform/csv';
import { requirePermission, type OrgContext } from '../../platform/context';
import { parseInput } from '../../platform/errors';
import { longDate } from '../../platform/clock';
import * as repo from './repo';
import { organisationName } from '../organisations/service';
import { getSite } from '../sites/service';
import { getSystem } from '../systems/service';
import { CHECKLIST_ITEMS, CHECKLIST_LABELS, RESULT_LABELS, reportQuery } from './schemas';
import { toVisit, type Visit } from './service';
import { taggedPdf } from '../../platform/pdf';

/** The maintenance log of a site or a system (or the whole organisation) for a date range, oldest visit first. */
export async function maintenanceLog(ctx: OrgContext, query: unknown) {
  requirePermission(ctx, 'estate:read');
  const q = parseInput(reportQuery, query);
  const orgName = await organisationName(ctx);
  let scope = `${orgName} (whole organisation)`;
  if (q.site) {
    scope = `Site: ${(await getSite(ctx, q.site)).name}`;
  }
  if (q.system) {
    scope = `System: ${(await getSystem(ctx, q.system)).name}`;
  }
  const rows = await repo.listVisits(ctx.db, ctx.orgId, { from: q.from, to: q.to, site: q.site, system: q.system, limit: 10_000, oldestFirst: true });
  return { orgName, scope, from: q.from, to: q.to, visits: rows.map(toVisit) };
}

type Log = Awaited<ReturnType<typeof maintenanceLog>>;

const checkCell = (v: Visit, item: string) => {
  const c = v.checklist.find((x) => x.item === item);
  return c ? `${RESULT_LABELS[c.result]}${c.note ? `: ${c.note}` : ''}` : '';
};
const assetChanges = (v: Visit) => v.assetUpdates.map((u) => [u.firmware ? `firmware ${u.firmware}` : null, u.status ? `status ${u.status}` : null].filter(Boolean).join(', ')).join('; ');

/** CSV with one row per visit and one column per checklist item; cells that look like formulas are neutralised. */
export function maintenanceLogCsv(log: Log): string {
  const header = ['Visit date', 'Status', 'Schedule', 'Due date fulfilled', 'About', 'Engineer', ...CHECKLIST_ITEMS.map((i) => CHECKLIST_LABELS[i]), 'Faults found', 'Asset changes', 'Next due', 'Notes'];
  const rows = log.visits.map((v) => [v.visitDate, v.status, v.scheduleTitle ?? 'Ad hoc', v.occurrenceDate ?? '', v.target.label, v.engineer.label,
    ...CHECKLIST_ITEMS.map((i) => checkCell(v, i)), v.faults ?? '', assetChanges(v), v.nextDueDate ?? '', v.notes ?? '']);
  return csvText([header, ...rows]);
}

/** The log as a tagged PDF (headings, paragraphs and lists in the structure tree, like the estate risk report). */
export function maintenanceLogPdf(log: Log): Promise<Buffer> {
  return taggedPdf({ Title: `Maintenance log – ${log.scope}`, Author: 'Sightline', Subject: `CCTV maintenance ${log.from} to ${log.to}` }, (doc, el, root) => {
    el('H1', () => doc.font('Helvetica-Bold').fontSize(20).text(`Maintenance log: ${log.orgName}`));
    el('P', () => doc.font('Helvetica').fontSize(11).text(`${log.scope}. Visits from ${longDate(log.from)} to ${longDate(log.to)}: ${log.visits.length}.`).moveDown());
    for (const v of log.visits) {
      el('H2', () => doc.moveDown(0.5).font('Helvetica-Bold').fontSize(13).text(`${longDate(v.visitDate)} – ${v.scheduleTitle ?? 'Ad hoc visit'} (${v.status})`));
      el('P', () => doc.font('Helvetica').fontSize(10).text(`About: ${v.target.label}. Engineer: ${v.engineer.label}.${v.occurrenceDate ? ` Fulfils the due date ${longDate(v.occurrenceDate)}.` : ''}${v.nextDueDate ? ` Next due ${longDate(v.nextDueDate)}.` : ''}`));
      if (v.checklist.length) {
        const list = doc.struct('L');
        root.add(list);
        for (const c of v.checklist) {
          list.add(doc.struct('LI', {}, () => doc.font('Helvetica').fontSize(10).text(`• ${CHECKLIST_LABELS[c.item]}: ${RESULT_LABELS[c.result]}${c.note ? ` – ${c.note}` : ''}`, { indent: 12 })));
        }
        list.end();
      }
      if (v.faults) el('P', () => doc.font('Helvetica').fontSize(10).text(`Faults found: ${v.faults}`));
      if (v.assetUpdates.length) el('P', () => doc.font('Helvetica').fontSize(10).text(`Asset changes: ${assetChanges(v)}`));
      if (v.notes) el('P', () => doc.font('Helvetica').fontSize(10).text(`Notes: ${v.notes}`));
    }
    if (!log.visits.length) el('P', () => doc.font('Helvetica').fontSize(10).text('No visits were recorded in this period.'));
    root.end();
  });
}
