import type { DueSource } from './service';
import { listDueItems } from '../maintenance/service';
import { documentReviewsDue } from '../documents/service';

/** Everything reminders are sent about: maintenance occurrences, and documents (certificates, DPIAs…) due for review. */
export const dueItemsForReminders: DueSource = async (db, q) => [
  ...await listDueItems(db, q),
  ...await documentReviewsDue(db, q),
];
