import fs from 'node:fs';
import path from 'node:path';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import type { Config, DbKind } from './config';
import type { DB } from './schema';
import { migrateToLatest } from './migrations';

export interface Database {
  db: Kysely<DB>;
  kind: DbKind;
  close(): Promise<void>;
  /** Where the data lives, for logs: a file path or the URL without its password. */
  describe: string;
  /** PostgreSQL only: the URL, for components that keep their own pool (pg-boss). */
  connectionString?: string;
}

// PostgreSQL returns COUNT(*) and BIGINT as strings; parse int8 to numbers (counts stay far below 2^53).
pg.types.setTypeParser(20, (v) => Number(v));

export function openSqlite(file: string): Database {
  if (file !== ':memory:') {
    // The register maps a public body's weak cameras: only the service's own user may read it (SQLite gives its
    // -wal and -shm files the database file's mode).
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    if (!fs.existsSync(file)) fs.closeSync(fs.openSync(file, 'a', 0o600));
  }
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  // Keeps the query planner's statistics current (cheap; SQLite decides what needs analysing). Without
  // statistics SQLite can pick a poor index for a filtered page of a large register.
  sqlite.pragma('optimize = 0x10002');
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: sqlite }) });
  return { db, kind: 'sqlite', describe: file, close: () => db.destroy() };
}

export function openPostgres(url: string, poolSize = 10): Database {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return { db, kind: 'postgres', describe: url.replace(/:[^:@/]*@/, ':***@'), connectionString: url, close: () => db.destroy() };
}

export function openDatabase(config: Config): Database {
  return config.databaseUrl ? openPostgres(config.databaseUrl) : openSqlite(path.join(config.dataDir, 'sightline.db'));
}

export async function migrate(database: Database): Promise<string[]> {
  return migrateToLatest(database.db, database.kind);
}
