import type { JobDeps } from '../../platform/job-deps';
import * as imports from './service';

/** The import job reads its upload from blob storage, so a worker on another machine (S3) can run it. */
export function registerImportsJobs(deps: JobDeps): void {
  const files = imports.uploadFiles(deps.storage, deps.config.dataDir);
  deps.jobs.handle('imports.run', (job, controls) => imports.runImportJob(deps.db, deps.dbKind, files, job.payload as any, controls.heartbeat));
}
