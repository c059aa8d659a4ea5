import type { FastifyInstance } from 'fastify';
import { openApiDocument } from './openapi';
import { renderPage, type AppDeps } from './http';

function schemaFields(schema: any): { name: string; type: string; required: boolean; description: string }[] {
  if (!schema || schema.type !== 'object' || !schema.properties) return [];
  const required = new Set(schema.required ?? []);
  return Object.entries<any>(schema.properties).map(([name, s]) => ({
    name, required: required.has(name), description: s.description ?? '',
    type: s.enum ? `one of: ${s.enum.join(', ')}` : s.anyOf ? s.anyOf.map((x: any) => x.enum ? x.enum.join(' | ') : x.type === 'array' ? `array of ${x.items?.type ?? 'values'}` : x.type).filter(Boolean).join(' or ')
      : s.type === 'array' ? `array of ${s.items?.type ?? 'values'}` : s.format ? `${s.type} (${s.format})` : s.type ?? 'any',
  }));
}

/** The API document as JSON, and the same document as a readable page that needs no JavaScript. */
export function registerDocsRoutes(app: FastifyInstance, deps: AppDeps) {
  app.get('/api/v1/openapi.json', async () => openApiDocument());
  app.get('/api/docs', async (req, reply) => {
    const doc = openApiDocument();
    const groups = new Map<string, any[]>();
    for (const [path, ops] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(ops)) {
        const list = groups.get(op.tags[0]) ?? [];
        list.push({
          method: method.toUpperCase(), path, summary: op.summary, description: op.description, id: op.operationId,
          params: (op.parameters ?? []).map((p: any) => ({ name: p.name, in: p.in, description: p.description ?? '', type: p.schema?.enum ? `one of: ${p.schema.enum.join(', ')}` : p.schema?.type ?? 'string' })),
          body: op.requestBody ? schemaFields(op.requestBody.content['application/json'].schema) : [],
          responses: Object.entries<any>(op.responses).map(([code, r]) => ({ code, description: r.description })),
        });
        groups.set(op.tags[0], list);
      }
    }
    return renderPage(deps, req, reply, 'api-docs.njk', { title: 'API documentation', publicUrl: deps.config.publicUrl, groups: [...groups.entries()].map(([tag, ops]) => ({ tag, ops })) });
  });
}
