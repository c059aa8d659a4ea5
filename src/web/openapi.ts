import { z } from 'zod';
import { rolesWith, type Permission } from '../platform/context';

export interface OperationDoc {
  summary: string;
  tag: string;
  description?: string;
  status?: number;
  /** Enforced by apiRoute before the handler runs, and documented as the roles that hold it (one declaration). */
  permission?: Permission;
  query?: z.ZodObject<any>;
  body?: z.ZodType;
  response?: z.ZodType;
  pathParams?: string[];
  /** Larger request bodies than the app-wide limit (bytes), for routes that take big uploads. */
  bodyLimit?: number;
}

const operations: { method: string; path: string; doc: OperationDoc }[] = [];

export function registerOperation(method: string, path: string, doc: OperationDoc) {
  if (!operations.some((o) => o.method === method && o.path === path)) operations.push({ method, path, doc });
}

function jsonSchema(schema: z.ZodType) {
  const { $schema, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as any;
  return rest;
}

const errorSchema = {
  type: 'object', required: ['error'],
  properties: { error: { type: 'object', required: ['code', 'message'], properties: {
    code: { type: 'string' }, message: { type: 'string' },
    fields: { type: 'object', additionalProperties: { type: 'string' }, description: 'Message per field at fault, keyed by field name' },
  } } },
};

/** The OpenAPI 3.1 document, built from the same zod schemas that validate requests. */
export function openApiDocument() {
  const paths: Record<string, any> = {};
  for (const { method, path, doc } of operations) {
    const oapiPath = path.replace(/:(\w+)/g, '{$1}');
    const params: any[] = (path.match(/:(\w+)/g) ?? []).map((p) => ({ name: p.slice(1), in: 'path', required: true, schema: { type: 'string' } }));
    if (doc.query) {
      for (const [name, s] of Object.entries(doc.query.shape)) {
        params.push({ name, in: 'query', required: false, schema: jsonSchema(s as z.ZodType), description: (s as z.ZodType).description });
      }
    }
    const status = String(doc.status ?? (method === 'DELETE' ? 204 : 200));
    const responses: Record<string, any> = {
      [status]: status === '204' ? { description: 'Done' } : { description: 'Success', content: doc.response ? { 'application/json': { schema: jsonSchema(doc.response) } } : undefined },
      '400': { description: 'Malformed request', content: { 'application/json': { schema: errorSchema } } },
      '401': { description: 'Missing or invalid token', content: { 'application/json': { schema: errorSchema } } },
      '403': { description: 'The token’s role does not allow this', content: { 'application/json': { schema: errorSchema } } },
    };
    if (path.includes(':id')) responses['404'] = { description: 'Not found in this organisation', content: { 'application/json': { schema: errorSchema } } };
    if (doc.body) responses['422'] = { description: 'Invalid fields', content: { 'application/json': { schema: errorSchema } } };
    paths[oapiPath] ??= {};
    paths[oapiPath][method.toLowerCase()] = {
      summary: doc.summary, description: [doc.description, doc.permission ? `Requires: ${rolesWith(doc.permission)}.` : ''].filter(Boolean).join(' '),
      tags: [doc.tag], operationId: `${method.toLowerCase()}${oapiPath.replace(/[{}]/g, '').replace(/\/(\w)/g, (_, c) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, '')}`,
      parameters: params.length ? params : undefined,
      requestBody: doc.body ? { required: true, content: { 'application/json': { schema: jsonSchema(doc.body) } } } : undefined,
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Sightline API', version: '1', description: 'The CCTV estate register of one organisation: the organisation is the one the bearer token belongs to.' },
    servers: [{ url: '/' }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'Create one with `sightline token create --org <slug> --role <role> --name <label>`' } } },
    security: [{ bearer: [] }],
    paths,
  };
}

export function listOperations() {
  return operations.slice();
}
