import type { JobDeps } from '../../platform/job-deps';
import * as dpias from './service';

/**
 * Changes to a system since its DPIA was signed off are also found when the DPIA is read; this check records
 * them (and passed review dates) for DPIAs nobody opens.
 */
export function registerDpiaJobs(deps: JobDeps): void {
  deps.jobs.handle('dpia.review-check', async () => dpias.runReviewCheck(deps.db));
  deps.jobs.every('dpia.review-check', 10 * 60_000);
}
