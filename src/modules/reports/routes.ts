import type { FastifyInstance } from 'fastify';
import { can } from '../../platform/context';
import { csvStream } from '../../platform/csv';
import { orgPage, submitForm, type AppDeps } from '../../web/http';
import { dateFields, dateParts, numberOrRaw, text, type FormBody } from '../../web/forms';
import { KIND_LABELS } from '../assets/schemas';
import * as reports from './service';
import { riskReportData, riskReportPdf, riskReportXlsx } from './risk-report';

const gbp = (pence: number | null) => (pence === null ? 'Not recorded' : `£${(pence / 100).toLocaleString('en-GB', { maximumFractionDigits: 2 })}`);

export function registerReportRoutes(app: FastifyInstance, deps: AppDeps) {
  orgPage(app, deps, 'GET', '/reports/foi', 'estate:read', async (_req, _reply, p) => {
    const foi = await reports.foiAnswer(p.ctx);
    return p.render('reports/views/foi.njk', { title: 'FOI answer: CCTV', foi, gbp, kindLabels: KIND_LABELS, canWrite: can(p.ctx.role, 'estate:write') });
  });

  orgPage(app, deps, 'GET', '/reports/foi.csv', 'estate:read', async (_req, reply, p) => {
    const foi = await reports.foiAnswer(p.ctx);
    const rows: [string, string, string | number][] = [
      ['Summary', 'Date of answer', foi.asOf], ['Summary', 'Cameras in use', foi.cameras], ['Summary', 'All CCTV devices in use', foi.devices],
      ['Contract', 'Maintenance supplier', foi.profile.maintainer ?? 'Not recorded'], ['Contract', 'Contract start', foi.profile.contractStart ?? 'Not recorded'],
      ['Contract', 'Contract end', foi.profile.contractEnd ?? 'Not recorded'], ['Contract', 'Annual spend (GBP)', foi.profile.annualSpendPence === null ? 'Not recorded' : (foi.profile.annualSpendPence / 100).toFixed(2)],
      ['Contract', 'Contact', foi.profile.foiContact ?? 'Not recorded'],
      ...foi.byKind.map((r): [string, string, number] => ['Devices by kind', KIND_LABELS[r.kind as keyof typeof KIND_LABELS] ?? r.kind, r.n]),
      ...foi.byLabel.map((r): [string, string, number] => ['Cameras by brand as labelled', r.label, r.n]),
      ...foi.byOrigin.map((r): [string, string, number] => ['Cameras by real producer', r.origin, r.n]),
    ];
    async function* one() { yield rows; }
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${p.org.slug}-cctv-foi-${foi.asOf}.csv"`)
      .send(csvStream([{ header: 'Section', value: (r: typeof rows[number]) => r[0] }, { header: 'Item', value: (r) => r[1] }, { header: 'Answer', value: (r) => r[2] }], one()));
  });

  orgPage(app, deps, 'GET', '/reports/risk.xlsx', 'estate:read', async (_req, reply, p) => {
    const data = await riskReportData(p.ctx, p.org.name);
    return reply.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .header('content-disposition', `attachment; filename="${p.org.slug}-estate-risk-${data.date}.xlsx"`).send(await riskReportXlsx(data));
  });
  orgPage(app, deps, 'GET', '/reports/risk.pdf', 'estate:read', async (_req, reply, p) => {
    const data = await riskReportData(p.ctx, p.org.name);
    return reply.type('application/pdf').header('content-disposition', `attachment; filename="${p.org.slug}-estate-risk-${data.date}.pdf"`).send(await riskReportPdf(data));
  });

  const renderForm = (p: any, values: any, body: FormBody | null, errors: Record<string, string> = {}, status = 200) => p.render('reports/views/profile.njk', {
    title: 'CCTV contract and FOI details', values, errors,
    contractStart: dateFields(body, 'contractStart', values.contractStart), contractEnd: dateFields(body, 'contractEnd', values.contractEnd),
  }, status);
  orgPage(app, deps, 'GET', '/reports/profile', 'estate:write', async (_req, _reply, p) => {
    const prof = await reports.getProfile(p.ctx);
    return renderForm(p, { ...prof, annualSpend: prof.annualSpendPence === null ? '' : String(prof.annualSpendPence / 100) }, null);
  });
  orgPage(app, deps, 'POST', '/reports/profile', 'estate:write', async (req, _reply, p) => {
    const body = req.body as FormBody;
    const input = {
      maintainer: text(body.maintainer), contractStart: dateParts(body, 'contractStart'), contractEnd: dateParts(body, 'contractEnd'),
      annualSpend: numberOrRaw(typeof body.annualSpend === 'string' ? body.annualSpend.replace(/[£,\s]/g, '') : body.annualSpend), foiContact: text(body.foiContact),
    };
    return submitForm(p, async () => {
      await reports.setProfile(p.ctx, input);
      return { to: `${p.base}/reports/foi`, flash: 'Contract and FOI details saved' };
    }, (errors, status) => renderForm(p, { ...input, annualSpend: text(body.annualSpend) }, body, errors, status));
  });
}
