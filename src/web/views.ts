import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import nunjucks from 'nunjucks';
import { evidenceKindName } from '../domain/evidence-names';

const require = createRequire(import.meta.url);
export const GOVUK_DIST = path.dirname(path.dirname(require.resolve('govuk-frontend/package.json'))) + '/govuk-frontend/dist';
const SRC = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

export function createViews(): nunjucks.Environment {
  const env = new nunjucks.Environment(
    new nunjucks.FileSystemLoader([path.join(SRC, 'web/views'), path.join(SRC, 'modules'), GOVUK_DIST], { noCache: false }),
    { autoescape: true, throwOnUndefined: false },
  );
  env.addFilter('date', (iso: string | null) => (iso ? formatDate(iso) : ''));
  env.addFilter('datetime', (iso: string | null) => (iso ? formatDateTime(iso) : ''));
  env.addFilter('evidenceKind', evidenceKindName);
  env.addFilter('json', (v: unknown) => JSON.stringify(v, null, 2));
  env.addFilter('display', (v: unknown) => (v === null || v === undefined || v === '' ? '—' : Array.isArray(v) ? v.join(', ') : String(v)));
  return env;
}

const months = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** GOV.UK style dates: 4 June 2026. */
export function formatDate(iso: string): string {
  const [y, m, d] = iso.slice(0, 10).split('-').map(Number);
  return `${d} ${months[m - 1]} ${y}`;
}

export function formatDateTime(iso: string): string {
  const d = new Date(iso);
  const local = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', day: 'numeric', month: 'long', year: 'numeric', hour: 'numeric', minute: '2-digit', hour12: true }).format(d);
  return local.replace(' at ', ', ');
}

/**
 * GOV.UK Frontend's compiled stylesheet with the GDS Transport font removed: that typeface is reserved for
 * GOV.UK services, so Sightline uses the Arial stack the design system falls back to.
 */
export function buildStylesheet(): string {
  const css = fs.readFileSync(path.join(GOVUK_DIST, 'govuk/govuk-frontend.min.css'), 'utf8')
    .replace(/@font-face\{[^}]*\}/g, '')
    .replace(/"?GDS Transport"?,/g, '');
  const own = fs.readFileSync(path.join(SRC, 'web/views/sightline.css'), 'utf8');
  return `${css}\n${own}`;
}
