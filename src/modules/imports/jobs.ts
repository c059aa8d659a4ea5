import type { JobDeps } from '../../platform/job-deps';
import * as imports from './service';

export function registerImportsJobs(deps: JobDeps): void {
  deps.jobs.handle('imports.run', (job, controls) => imports.runImportJob(deps.db, deps.dbKind, deps.config.dataDir, job.payload as any, controls.heartbeat));
}
