import type { JobDeps } from '../../platform/job-deps';
import { dueItemsForReminders } from './due';
import { registerReminderJobs } from './service';

export function registerRemindersJobs(deps: JobDeps): void {
  registerReminderJobs({ db: deps.db, jobs: deps.jobs, mailer: deps.mailer, publicUrl: deps.config.publicUrl, dueSource: dueItemsForReminders });
}
