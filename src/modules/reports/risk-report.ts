import ExcelJS from 'exceljs';
import { neutraliseCell } from '../../platform/csv';
import type { OrgContext } from '../../platform/context';
import { SEVERITY_ORDER } from '../../domain/policy';
import { listFindings } from '../findings/service';
import { remediationPlan } from '../plan/service';
import { summarise } from '../provenance/service';
import { KIND_LABELS } from '../assets/schemas';
import { taggedPdf } from '../../platform/pdf';

/** Everything the estate risk report says, gathered once and rendered as XLSX or PDF. */
export async function riskReportData(ctx: OrgContext, orgName: string) {
  const summary = await summarise(ctx);
  const findings: Awaited<ReturnType<typeof listFindings>>['items'] = [];
  for (const status of ['open', 'accepted']) {
    let cursor: string | undefined;
    do {
      const page = await listFindings(ctx, { status, limit: 500, ...(cursor ? { cursor } : {}) });
      findings.push(...page.items.filter((f) => f.severity !== 'info'));
      cursor = page.next ?? undefined;
    } while (cursor);
  }
  const rank = (s: string) => SEVERITY_ORDER.indexOf(s as any);
  findings.sort((a, b) => (a.site?.name ?? '~').localeCompare(b.site?.name ?? '~') || rank(a.severity) - rank(b.severity));
  const plan = await remediationPlan(ctx, {});
  return { orgName, date: new Date().toISOString().slice(0, 10), summary, findings, plan };
}

type Data = Awaited<ReturnType<typeof riskReportData>>;
const gbp = (pence: number) => `£${(pence / 100).toLocaleString('en-GB', { maximumFractionDigits: 2 })}`;
const device = (f: Data['findings'][number]) => [f.asset.manufacturer ?? 'Unlabelled', f.asset.model, f.asset.serial ? `(serial ${f.asset.serial})` : null].filter(Boolean).join(' ');

function headline(d: Data): string[] {
  const s = d.summary;
  return [
    `${s.assets} devices in service. ${s.nilSubject} were produced by companies subject to the PRC National Intelligence Law; ${s.unknown} are of unknown provenance; ${s.notSubject} are not subject.`,
    `Open or accepted findings: ${SEVERITY_ORDER.filter((x) => x !== 'info').map((x) => `${s.bySeverity[x]} ${x}`).join(', ')}.`,
    `Replacing the ${d.plan.lines.length} devices in the remediation plan would cost ${gbp(d.plan.totalPence)} at the organisation's unit costs.`,
  ];
}

/**
 * Text a tenant typed (site names, models) goes into cells: exceljs stores it as text, but a person who edits such a
 * cell in a spreadsheet turns "=HYPERLINK(...)" into a live formula, so it is neutralised as every other export is.
 */
function textSafe(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'string' ? neutraliseCell(v) : v]));
}

/** The report as a workbook people can open: summary, findings by site and the plan, one sheet each. */
export async function riskReportXlsx(d: Data): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Sightline';
  wb.created = new Date();
  const summary = wb.addWorksheet('Summary');
  summary.columns = [{ header: 'Item', key: 'item', width: 48 }, { header: 'Value', key: 'value', width: 90 }];
  summary.addRows(([
    { item: 'Organisation', value: d.orgName }, { item: 'Date', value: d.date }, { item: 'Catalogue version', value: d.summary.catalogueVersion },
    { item: 'Devices in service', value: d.summary.assets }, { item: 'Subject to PRC National Intelligence Law', value: d.summary.nilSubject },
    { item: 'Provenance unknown', value: d.summary.unknown }, { item: 'Not subject', value: d.summary.notSubject },
    ...SEVERITY_ORDER.map((s) => ({ item: `Findings: ${s}`, value: d.summary.bySeverity[s] })),
    { item: 'Remediation plan: devices', value: d.plan.lines.length }, { item: 'Remediation plan: cost (GBP)', value: d.plan.totalPence / 100 },
  ] as Record<string, unknown>[]).map(textSafe));
  const findings = wb.addWorksheet('Findings by site');
  findings.columns = [
    { header: 'Site', key: 'site', width: 30 }, { header: 'Severity', key: 'severity', width: 10 }, { header: 'Status', key: 'status', width: 10 },
    { header: 'Finding', key: 'title', width: 50 }, { header: 'Device', key: 'device', width: 40 }, { header: 'What to do', key: 'action', width: 70 },
    { header: 'Basis', key: 'basis', width: 50 },
  ];
  for (const f of d.findings) findings.addRow(textSafe({ site: f.site?.name ?? 'No site recorded', severity: f.severity, status: f.status, title: f.title, device: device(f), action: f.action, basis: f.citation.reference }));
  const plan = wb.addWorksheet('Remediation plan');
  plan.columns = [
    { header: 'Order', key: 'order', width: 7 }, { header: 'Priority', key: 'tier', width: 48 }, { header: 'Kind', key: 'kind', width: 16 },
    { header: 'Device', key: 'device', width: 40 }, { header: 'Site', key: 'site', width: 30 }, { header: 'Unit cost (GBP)', key: 'unit', width: 14 },
    { header: 'Cumulative (GBP)', key: 'cumulative', width: 16 },
  ];
  for (const l of d.plan.lines) {
    plan.addRow(textSafe({ order: l.order, tier: l.tierLabel, kind: KIND_LABELS[l.kind as keyof typeof KIND_LABELS] ?? l.kind, device: [l.manufacturer ?? 'Unlabelled', l.model].filter(Boolean).join(' '), site: l.site ?? '', unit: l.unitPence / 100, cumulative: l.cumulativePence / 100 }));
  }
  for (const ws of [summary, findings, plan]) { ws.getRow(1).font = { bold: true }; ws.views = [{ state: 'frozen', ySplit: 1 }]; }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** The report as a tagged PDF (headings, paragraphs and lists in the structure tree, so screen readers can follow it). */
export function riskReportPdf(d: Data): Promise<Buffer> {
  return taggedPdf({ Title: `Estate risk report – ${d.orgName}`, Author: 'Sightline', Subject: 'CCTV estate risk and remediation' }, (doc, el, root) => {
    el('H1', () => doc.font('Helvetica-Bold').fontSize(20).text(`Estate risk report: ${d.orgName}`));
    el('P', () => doc.font('Helvetica').fontSize(10).text(`${d.date} · catalogue ${d.summary.catalogueVersion} · basis: written ministerial statement HCWS386 (24 November 2022)`).moveDown());
    el('H2', () => doc.font('Helvetica-Bold').fontSize(14).text('Summary'));
    for (const line of headline(d)) el('P', () => doc.font('Helvetica').fontSize(11).text(line).moveDown(0.3));
    el('H2', () => doc.moveDown().font('Helvetica-Bold').fontSize(14).text('Findings by site'));
    let site: string | null = null;
    for (const f of d.findings) {
      const name = f.site?.name ?? 'No site recorded';
      if (name !== site) { site = name; el('H3', () => doc.moveDown(0.5).font('Helvetica-Bold').fontSize(12).text(name)); }
      el('P', () => doc.font('Helvetica').fontSize(10).text(`${f.severity.toUpperCase()} – ${f.title}: ${device(f)}. ${f.action}${f.status === 'accepted' ? ` (risk accepted, review by ${f.reviewDate})` : ''}`).moveDown(0.2));
    }
    if (!d.findings.length) el('P', () => doc.font('Helvetica').fontSize(10).text('No open findings.'));
    el('H2', () => doc.moveDown().font('Helvetica-Bold').fontSize(14).text('Remediation plan'));
    for (const t of d.plan.tiers) el('P', () => doc.font('Helvetica').fontSize(10).text(`${t.tier}. ${t.label}: ${t.devices} device${t.devices === 1 ? '' : 's'}, ${gbp(t.pence)}`));
    el('P', () => doc.moveDown(0.5).font('Helvetica-Bold').fontSize(10).text(`Total: ${d.plan.lines.length} devices, ${gbp(d.plan.totalPence)}. The full ordered list is in the XLSX version of this report.`));
    root.end();
  });
}
