import fs from 'node:fs';
import path from 'node:path';
import { execFile, spawn } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDb } from '../helpers/db';
import { createOrgFixture, type OrgFixture } from '../helpers/app';
import { writeRegister } from '../../bench/generate-register';
import { MESSY_CSV, tempDir } from './files';

// `sightline import` on a real database in a child process: its report and exit code, and a kill half-way through
// the write leaving the register exactly as it was.

describeEachDb('import: command line', (db, kind) => {
  let dir: string;
  let org: OrgFixture;
  let env: NodeJS.ProcessEnv;
  const cli = (args: string[]) => new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile('node', ['bin/sightline.mjs', ...args], { env, encoding: 'utf8', maxBuffer: 16 << 20 }, (err, stdout, stderr) => resolve({ code: err ? Number((err as any).code ?? 1) : 0, stdout, stderr }));
  });
  const snapshot = async () => JSON.stringify(await Promise.all([
    db().db.selectFrom('assets').selectAll().where('org_id', '=', org.id).orderBy('id').execute(),
    db().db.selectFrom('sites').selectAll().where('org_id', '=', org.id).orderBy('id').execute(),
    db().db.selectFrom('findings').select(['id', 'status']).where('org_id', '=', org.id).orderBy('id').execute(),
    db().db.selectFrom('audit_events').select('id').where('org_id', '=', org.id).orderBy('id').execute(),
  ]));

  beforeAll(async () => {
    dir = tempDir();
    org = await createOrgFixture(db(), 'clishire');
    env = { ...process.env, ...(kind === 'sqlite' ? { DATA_DIR: path.dirname(db().file!), DATABASE_URL: '' } : { DATABASE_URL: db().url! }) };
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('dry-runs, lists row errors with a non-zero exit, then imports with --create-sites', async () => {
    const dry = await cli(['import', MESSY_CSV, '--org', 'clishire', '--dry-run']);
    expect(dry.code).toBe(1);
    expect(dry.stdout).toContain('Dry run (nothing written): messy-register.csv (CSV, windows-1252, delimiter ";")');
    expect(dry.stdout).toMatch(/row 4, Building: There is no site called “Café Nero Unit”/);
    const mapping = path.join(dir, 'mapping.json');
    fs.writeFileSync(mapping, JSON.stringify({ 'Camera name': 'notes', Comments: 'ignore' }));
    const run = await cli(['import', MESSY_CSV, '--org', 'clishire', '--create-sites', '--mapping', mapping, '--json']);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ written: true, added: 6, sitesCreated: 3, mapping: { 'Camera name': 'notes', Comments: 'ignore', Make: 'manufacturer' } });
    const front = await db().db.selectFrom('assets').select(['notes', 'location']).where('org_id', '=', org.id).where('serial', '=', 'DS-A0001').executeTakeFirstOrThrow();
    expect(front).toEqual({ notes: 'Front door', location: null });
    const bad = await cli(['import', path.join(dir, 'missing.csv'), '--org', 'clishire']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/There is no file at/);
  });

  it('a kill in the middle of the write leaves the register as it was', async () => {
    const file = path.join(dir, 'big.csv');
    await writeRegister(file, 40_000, 50);
    const before = await snapshot();
    const child = spawn('node', ['bin/sightline.mjs', 'import', file, '--org', 'clishire', '--create-sites'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the import never started writing: ${stderr}`)), 120_000);
      child.stderr.on('data', (d) => {
        stderr += d;
        if (/Saving/.test(stderr)) { clearTimeout(timer); resolve(); }
      });
    });
    await new Promise((r) => setTimeout(r, 700));
    child.kill('SIGKILL');
    const end = await exited;
    expect(end.signal).toBe('SIGKILL');
    expect(await snapshot()).toBe(before);
    // The database is intact: the same import, run to the end, works.
    const again = await cli(['import', file, '--org', 'clishire', '--create-sites', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ written: true, added: 40_000 });
  }, 240_000);
});
