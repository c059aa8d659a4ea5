// The job worker's composition root: the database, the queue and every module's job handlers, and nothing of
// the web (no Fastify, no views, no routes). `sightline jobs work|run` start here; test/architecture/worker.test.ts
// proves from the import graph that nothing HTTP is reachable from this file.
import type { Database } from '../platform/db';
import type { Config } from '../platform/config';
import type { JobDeps } from '../platform/job-deps';
import type { JobQueue } from '../platform/jobs';
import { openJobQueue } from '../platform/pgboss-queue';
import { createStorage, type BlobStorage } from '../platform/storage';
import { createMailer, type Mailer } from '../platform/mail';
import { registerDpiaJobs } from '../modules/dpia/jobs';
import { registerImportsJobs } from '../modules/imports/jobs';
import { registerRemindersJobs } from '../modules/reminders/jobs';
import { registerDiscoveryJobs } from '../modules/discovery/jobs';

/** Every module that runs background work; the web server and the worker both register from this one list. */
export const MODULE_JOBS: ((deps: JobDeps) => void)[] = [
  registerImportsJobs, registerDiscoveryJobs, registerDpiaJobs, registerRemindersJobs,
];

export function registerJobHandlers(deps: JobDeps): void {
  for (const register of MODULE_JOBS) register(deps);
}

export interface WorkerOptions { jobs?: JobQueue; storage?: BlobStorage; mailer?: Mailer; log?: (err: unknown, job?: { id: string; name: string }) => void }

/** The deps a worker needs, with every job handler registered; start() polls, drain() runs what is due. */
export function createWorker(database: Database, config: Config, opts: WorkerOptions = {}) {
  const jobs = opts.jobs ?? openJobQueue(database, config, (err, job) => (opts.log ?? ((e) => console.error(e)))(err, job ? { id: job.id, name: job.name } : undefined));
  const deps: JobDeps = {
    db: database.db, dbKind: database.kind, config, jobs,
    storage: opts.storage ?? createStorage(config), mailer: opts.mailer ?? createMailer(config),
  };
  registerJobHandlers(deps);
  return {
    deps,
    start: () => jobs.start(),
    drain: () => jobs.drain(),
    close: async () => { await jobs.stop(); await deps.mailer.close(); },
  };
}
