import type { Up } from '../../platform/migrations';

/** Tables of the reminders area (0010_reminders). */
export const up: Up = async (_db, _kind) => {
  // filled in by the reminders work
};
