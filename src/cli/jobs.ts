import type { Command } from 'commander';
import { loadConfig } from '../platform/config';
import { notFound } from '../platform/errors';

/** The database and the worker, loaded when a jobs command runs (not at CLI start-up, which every command pays). */
const load = () => Promise.all([import('../platform/db'), import('../server/worker')]).then(([db, worker]) => ({ ...db, ...worker }));

/**
 * `sightline jobs work|run|list`: background jobs outside the web server. Handlers come from the same list the
 * server registers (src/server/worker.ts), without Fastify, views or routes.
 */
export function registerJobsCommand(program: Command, fail: (e: unknown) => never): void {
  const jobs = program.command('jobs').description('background jobs: imports, scheduled discovery, reminders');

  jobs.command('work').description('run a job worker until stopped (use when `serve` runs with SIGHTLINE_JOBS_WORKER=0)')
    .action(async () => {
      try {
        const { migrate, openDatabase, createWorker } = await load();
        const config = loadConfig();
        const database = openDatabase(config);
        await migrate(database);
        const worker = createWorker(database, config, { log: (err, job) => console.error(`job ${job?.name ?? ''} ${job?.id ?? ''} failed:`, err) });
        worker.start();
        console.error(`Job worker running (${config.queue} queue on ${database.describe}); Ctrl-C to stop.`);
        const stop = async () => { await worker.close(); await database.close(); process.exit(0); };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      } catch (e) { fail(e); }
    });

  jobs.command('run').description('run every job that is due now, then exit')
    .action(async () => {
      try {
        const { migrate, openDatabase, createWorker } = await load();
        const config = loadConfig();
        const database = openDatabase(config);
        await migrate(database);
        const worker = createWorker(database, config);
        const n = await worker.drain();
        console.log(`Ran ${n} job${n === 1 ? '' : 's'}.`);
        await worker.close();
        await database.close();
      } catch (e) { fail(e); }
    });

  jobs.command('list').description('list recent jobs, newest first')
    .option('--org <slug>', 'only this organisation’s jobs')
    .option('--state <state>', 'queued, running, done or failed')
    .option('--limit <n>', 'how many', '50')
    .action(async (o: { org?: string; state?: 'queued' | 'running' | 'done' | 'failed'; limit: string }) => {
      try {
        const { migrate, openDatabase, createWorker } = await load();
        const config = loadConfig();
        const database = openDatabase(config);
        await migrate(database);
        const worker = createWorker(database, config);
        let orgId: string | undefined;
        if (o.org) {
          const { organisationBySlug: findOrgBySlug } = await import('../modules/organisations/service');
          const org = await findOrgBySlug(database.db, o.org);
          if (!org) throw notFound(`Organisation "${o.org}"`);
          orgId = org.id;
        }
        const list = await worker.deps.jobs.list({ orgId, state: o.state, limit: Number(o.limit) || 50 });
        for (const j of list) console.log([j.createdAt, j.state.padEnd(7), j.name, `attempt ${j.attempts}/${j.maxAttempts}`, j.lastError ?? ''].join('  ').trimEnd());
        if (!list.length) console.log('No jobs.');
        await worker.close();
        await database.close();
      } catch (e) { fail(e); }
    });
}
