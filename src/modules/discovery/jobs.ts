import type { JobDeps } from '../../platform/job-deps';
import { runServerScan } from '../../discovery/scan';
import { registerDiscoveryJobs as registerScheduleJobs, type RunScan } from './schedule';
import { CredentialStore } from './secrets';

/** Scheduled discovery: the tick that enqueues due scans and the scan itself (a test may pass its own scan). */
export function registerDiscoveryJobs(deps: JobDeps, scan: RunScan = runServerScan): void {
  registerScheduleJobs(deps.db, deps.jobs, new CredentialStore(deps.config), scan, deps.config.serverScanAllow);
}
