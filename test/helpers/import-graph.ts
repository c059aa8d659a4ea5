// The import graph of src/, read from the code itself with the TypeScript parser (no hand-kept list),
// grouped into areas and floors so the architecture test can say which arrows run the wrong way.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export const ROOT = path.resolve(import.meta.dirname, '../..');
const SRC = path.join(ROOT, 'src');

export interface ImportEdge {
  from: string; // repo-relative file, e.g. src/modules/assets/routes.ts
  to: string; // repo-relative file, or a package name (fastify, @fastify/cookie)
  /** `import type …`, `export type … from`, or every named binding marked `type`: erased when the code runs. */
  typeOnly: boolean;
  dynamic: boolean;
}

function listTs(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return listTs(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

function resolveRelative(fromFile: string, spec: string): string | null {
  const base = path.resolve(path.dirname(fromFile), spec);
  for (const candidate of [base, `${base}.ts`, path.join(base, 'index.ts'), base.replace(/\.js$/, '.ts')]) {
    if (candidate.endsWith('.ts') && fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  return null; // .mjs/.json/.njk assets: not TypeScript modules
}

function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function namedBindingsAllTypes(clause: ts.ImportClause): boolean {
  if (clause.name) return false; // a default import is a value
  const nb = clause.namedBindings;
  if (!nb || ts.isNamespaceImport(nb)) return false;
  return nb.elements.length > 0 && nb.elements.every((el) => el.isTypeOnly);
}

/** Every import of every file under src/ (tests excluded). */
export function readImportGraph(): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const file of listTs(SRC)) {
    const text = fs.readFileSync(file, 'utf8');
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
    const from = path.relative(ROOT, file);
    const add = (spec: string, typeOnly: boolean, dynamic: boolean) => {
      if (spec.startsWith('node:')) return;
      if (spec.startsWith('.')) {
        const target = resolveRelative(file, spec);
        if (target) edges.push({ from, to: path.relative(ROOT, target), typeOnly, dynamic });
      } else {
        edges.push({ from, to: packageName(spec), typeOnly, dynamic });
      }
    };
    const visit = (node: ts.Node) => {
      if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
        const clause = node.importClause;
        add(node.moduleSpecifier.text, !!clause && (clause.isTypeOnly || namedBindingsAllTypes(clause)), false);
      } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
        const allTypes = node.isTypeOnly || (!!node.exportClause && ts.isNamedExports(node.exportClause)
          && node.exportClause.elements.length > 0 && node.exportClause.elements.every((el) => el.isTypeOnly));
        add(node.moduleSpecifier.text, allTypes, false);
      } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
        const arg = node.arguments[0];
        if (arg && ts.isStringLiteralLike(arg)) add(arg.text, false, true);
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return edges;
}

/**
 * The area a file belongs to: each module is its own area; src/web is the web kit; the composition root is
 * src/server (app.ts, the module list, the worker entry); src/cli is the command line.
 */
export function areaOf(file: string): string {
  const parts = file.split('/');
  if (parts[0] !== 'src') return file;
  if (parts[1] === 'modules') return `modules/${parts[2]}`;
  return parts[1];
}

/**
 * Floors, bottom (0) to top. An arrow may point down or sideways (same floor, no cycle); one that points up
 * means a lower layer knows about a higher one.
 */
export const FLOORS: Record<string, number> = {
  domain: 0, catalog: 0,
  platform: 1, discovery: 1,
  web: 2,
  modules: 3,
  server: 4,
  cli: 5,
};

export function floorOf(file: string): number {
  const area = areaOf(file);
  if (area.startsWith('modules/')) return FLOORS.modules;
  const floor = FLOORS[area];
  if (floor === undefined) throw new Error(`no floor for ${file} (area ${area}); add it to FLOORS`);
  return floor;
}

export interface AreaArrow { from: string; to: string; fromFloor: number; toFloor: number; files: string[] }

/** Distinct area→area arrows between src/ files (package imports left out). */
export function areaArrows(edges: ImportEdge[], opts: { includeTypeOnly: boolean }): AreaArrow[] {
  const arrows = new Map<string, AreaArrow>();
  for (const e of edges) {
    if (!e.to.startsWith('src/')) continue;
    if (e.typeOnly && !opts.includeTypeOnly) continue;
    const fromArea = areaOf(e.from), toArea = areaOf(e.to);
    if (fromArea === toArea) continue;
    const key = `${fromArea} -> ${toArea}`;
    const arrow = arrows.get(key) ?? { from: fromArea, to: toArea, fromFloor: floorOf(e.from), toFloor: floorOf(e.to), files: [] };
    arrow.files.push(`${e.from} -> ${e.to}`);
    arrows.set(key, arrow);
  }
  return [...arrows.values()].sort((a, b) => `${a.from}${a.to}`.localeCompare(`${b.from}${b.to}`));
}

/**
 * The layer an area sits in, for the cycle check: domain and catalog share the bottom floor (the catalogue's
 * types are the domain's vocabulary), the modules share theirs, and the kit is the kit wherever it lives.
 */
export function layerOf(area: string): string {
  if (area === 'domain' || area === 'catalog') return 'domain+catalog';
  if (area.startsWith('modules/')) return 'modules';
    return area;
}

/**
 * Cycles (strongly connected components with more than one node), each as a sorted list. `group` merges areas
 * first: layerOf gives cycles between layers; the identity gives cycles between single areas (modules included).
 */
export function areaCycles(arrows: AreaArrow[], group: (area: string) => string = (a) => a): string[][] {
  const next = new Map<string, string[]>();
  for (const a of arrows) {
    const from = group(a.from), to = group(a.to);
    if (from !== to) next.set(from, [...(next.get(from) ?? []), to]);
  }
  const nodes = [...new Set(arrows.flatMap((a) => [group(a.from), group(a.to)]))];
  // Tarjan's algorithm.
  let index = 0;
  const idx = new Map<string, number>(), low = new Map<string, number>(), onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  const strong = (v: string) => {
    idx.set(v, index); low.set(v, index); index++;
    stack.push(v); onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!idx.has(w)) { strong(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); }
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do { w = stack.pop()!; onStack.delete(w); comp.push(w); } while (w !== v);
      if (comp.length > 1) out.push(comp.sort());
    }
  };
  for (const n of nodes) if (!idx.has(n)) strong(n);
  return out;
}

/** Files (and packages) a file loads when it runs: runtime imports only, followed transitively. */
export function runtimeClosure(edges: ImportEdge[], entry: string): Set<string> {
  const next = new Map<string, string[]>();
  for (const e of edges) if (!e.typeOnly) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const seen = new Set<string>([entry]);
  const queue = [entry];
  while (queue.length) {
    for (const t of next.get(queue.pop()!) ?? []) if (!seen.has(t)) { seen.add(t); queue.push(t); }
  }
  return seen;
}
