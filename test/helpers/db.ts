import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import { migrate, openPostgres, openSqlite, type Database } from '../../src/platform/db';
import type { DbKind } from '../../src/platform/config';

/** Every database test runs on both engines unless SIGHTLINE_TEST_DBS narrows it (e.g. "sqlite" while iterating). */
export const DB_KINDS = (process.env.SIGHTLINE_TEST_DBS ?? 'sqlite,postgres').split(',').map((s) => s.trim()) as DbKind[];
export const PG_ADMIN_URL = process.env.SIGHTLINE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase extends Database { url: string | null; file: string | null; dispose(): Promise<void> }

/** A fresh, migrated database: a temporary SQLite file, or a new PostgreSQL database dropped afterwards. */
export async function createTestDatabase(kind: DbKind, opts: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const name = `sl_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  let database: Database;
  let dispose: () => Promise<void>;
  let url: string | null = null;
  let file: string | null = null;
  if (kind === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sightline-test-'));
    file = path.join(dir, 'sightline.db'); // the name the app and CLI use under DATA_DIR
    database = openSqlite(file);
    dispose = async () => { await database.close(); fs.rmSync(dir, { recursive: true, force: true }); };
  } else {
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    url = PG_ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
    database = openPostgres(url, 5);
    dispose = async () => {
      await database.close();
      const a = new pg.Client({ connectionString: PG_ADMIN_URL });
      await a.connect();
      // Pool connections finish closing a moment after pool.end() resolves; dropping with FORCE would kill them
      // mid-close and surface as stray errors. Wait for them instead (FORCE only as the last resort).
      for (let i = 0; i < 50; i++) {
        const busy = await a.query('select count(*)::int as n from pg_stat_activity where datname = $1', [name]);
        if (busy.rows[0].n === 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    };
  }
  if (opts.migrate !== false) await migrate(database);
  return { ...database, url, file, dispose };
}

/**
 * describe() once per database engine, with a fresh database shared by the tests inside.
 * `get()` returns it (available from beforeAll on).
 */
export function describeEachDb(title: string, body: (get: () => TestDatabase, kind: DbKind) => void) {
  for (const kind of DB_KINDS) {
    describe(`${title} [${kind}]`, () => {
      let database: TestDatabase;
      beforeAll(async () => { database = await createTestDatabase(kind); });
      afterAll(async () => { await database?.dispose(); });
      body(() => database, kind);
    });
  }
}
