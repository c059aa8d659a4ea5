import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { OrgContext, Permission } from '../platform/context';
import type { FormBody } from './forms';
import { apiRoute, jsonBody, orgPage, submitForm, type AppDeps, type PageCtx, type RouteRequest } from './http';

/**
 * The routes every register record (site, network, system, asset) has in common: the API's create, read,
 * change and delete, and the pages to add, change and delete one. Each module supplies what differs: its
 * schemas, its service, how its form is drawn and read. Lists and the record's own page stay in the module.
 */
export interface RecordRoutes<T extends { id: string }> {
  path: string;
  noun: string;
  tag: string;
  writePermission: Permission;
  api: { out: z.ZodType; fields: z.ZodType; patch: z.ZodType; writePermission: Permission; deleteNote: string };
  service: {
    get(ctx: OrgContext, id: string): Promise<T>;
    create(ctx: OrgContext, body: unknown): Promise<T>;
    update(ctx: OrgContext, id: string, body: unknown): Promise<T>;
    remove(ctx: OrgContext, id: string): Promise<void>;
  };
  /** How the record is named in messages. */
  name(record: T): string;
  /** Form fields to the shape the schema expects. */
  fromForm(body: FormBody): Record<string, unknown>;
  /** Values a new record's form starts with. */
  newValues(req: RouteRequest): Record<string, unknown>;
  /** Draws the add/change form with values (and, after a failed submit, what was typed and the errors). */
  form(p: PageCtx, record: T | null, values: any, body: FormBody | null, errors: Record<string, string>, status: number): Promise<FastifyReply>;
}

const idOf = (req: RouteRequest<'/:id'>) => req.params.id;
const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export function registerRecordRoutes<T extends { id: string }>(app: FastifyInstance, deps: AppDeps, r: RecordRoutes<T>) {
  const { path, noun, tag, api, service } = r;
  apiRoute(app, deps, 'POST', `/${path}`, { summary: `Register a ${noun}`, tag, status: 201, body: api.fields, response: api.out, permission: api.writePermission },
    async (req, ctx) => service.create(ctx, jsonBody(req)));
  apiRoute(app, deps, 'GET', `/${path}/:id`, { summary: `Get a ${noun}`, tag, response: api.out },
    async (req, ctx) => service.get(ctx, idOf(req)));
  apiRoute(app, deps, 'PATCH', `/${path}/:id`, { summary: `Change a ${noun} (only the fields sent)`, tag, body: api.patch, response: api.out, permission: api.writePermission },
    async (req, ctx) => service.update(ctx, idOf(req), jsonBody(req)));
  apiRoute(app, deps, 'DELETE', `/${path}/:id`, { summary: `Delete a ${noun}${api.deleteNote}`, tag, permission: 'estate:delete' },
    async (req, ctx) => { await service.remove(ctx, idOf(req)); });

  orgPage(app, deps, 'GET', `/${path}/new`, r.writePermission, async (req, _reply, p) => r.form(p, null, r.newValues(req), null, {}, 200));
  orgPage(app, deps, 'POST', `/${path}`, r.writePermission, async (req, _reply, p) => {
    const body = req.body as FormBody;
    const input = r.fromForm(body);
    return submitForm(p, async () => {
      const created = await service.create(p.ctx, input);
      return { to: `${p.base}/${path}/${created.id}`, flash: `${capital(noun)} “${r.name(created)}” added` };
    }, (errors, status) => r.form(p, null, input, body, errors, status));
  });

  orgPage(app, deps, 'GET', `/${path}/:id/edit`, r.writePermission, async (req, _reply, p) => {
    const record = await service.get(p.ctx, idOf(req));
    return r.form(p, record, record, null, {}, 200);
  });
  orgPage(app, deps, 'POST', `/${path}/:id`, r.writePermission, async (req, _reply, p) => {
    const record = await service.get(p.ctx, idOf(req));
    const body = req.body as FormBody;
    const input = r.fromForm(body);
    return submitForm(p, async () => {
      const saved = await service.update(p.ctx, record.id, input);
      return { to: `${p.base}/${path}/${record.id}`, flash: `${capital(noun)} “${r.name(saved)}” saved` };
    }, (errors, status) => r.form(p, record, input, body, errors, status));
  });

  orgPage(app, deps, 'GET', `/${path}/:id/delete`, 'estate:delete', async (req, _reply, p) => {
    const record = await service.get(p.ctx, idOf(req));
    return p.render('confirm-delete.njk', {
      title: `Delete ${r.name(record)}`, thing: noun, name: r.name(record),
      action: `${p.base}/${path}/${record.id}/delete`, back: `${p.base}/${path}/${record.id}`,
    });
  });
  orgPage(app, deps, 'POST', `/${path}/:id/delete`, 'estate:delete', async (req, _reply, p) => {
    const record = await service.get(p.ctx, idOf(req));
    await service.remove(p.ctx, record.id);
    return p.redirect(`${p.base}/${path}`, `${capital(noun)} “${r.name(record)}” deleted`);
  });
}
