// `sightline jobs work` loads no HTTP code (issue 16): the worker entry's run-time import closure, computed from
// the same graph as the layer test, reaches no web kit, no routes and no HTTP package.
import { describe, expect, it } from 'vitest';
import { readImportGraph, runtimeClosure } from '../helpers/import-graph';

const edges = readImportGraph();
const isHttp = (f: string) => f.startsWith('src/web/') || f.endsWith('/routes.ts') || f.endsWith('-routes.ts') || f.endsWith('/upload.ts')
  || f === 'src/server/app.ts' || f === 'fastify' || f === 'nunjucks' || f.startsWith('@fastify/');

describe('worker entry', () => {
  it('loads no HTTP code: no src/web, no routes, no fastify, nunjucks or @fastify/*', () => {
    const closure = runtimeClosure(edges, 'src/server/worker.ts');
    // It does reach the modules' job handlers (so an empty closure cannot pass this test).
    expect(closure.has('src/modules/imports/service.ts')).toBe(true);
    expect([...closure].filter(isHttp)).toEqual([]);
  });

  it('the web server does reach HTTP code (the check above can fail)', () => {
    const closure = runtimeClosure(edges, 'src/server/app.ts');
    expect([...closure].filter(isHttp).length).toBeGreaterThan(10);
  });

  it('`jobs` CLI commands load the worker, not the web server', () => {
    const closure = runtimeClosure(edges, 'src/cli/jobs.ts');
    expect(closure.has('src/server/worker.ts')).toBe(true);
    expect([...closure].filter(isHttp)).toEqual([]);
  });
});
