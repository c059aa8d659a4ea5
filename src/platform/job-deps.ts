import type { Kysely } from 'kysely';
import type { Config, DbKind } from './config';
import type { DB } from './schema';
import type { JobQueue } from './jobs';
import type { BlobStorage } from './storage';
import type { Mailer } from './mail';

/** What a module's job handlers get: everything the web server's deps have except the web (no views, no routes). */
export interface JobDeps {
  db: Kysely<DB>; dbKind: DbKind; config: Config;
  jobs: JobQueue; storage: BlobStorage; mailer: Mailer;
}
