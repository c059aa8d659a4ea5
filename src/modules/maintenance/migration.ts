import type { Up } from '../../platform/migrations';

/** Tables of the maintenance area (0009_maintenance). */
export const up: Up = async (_db, _kind) => {
  // filled in by the maintenance work
};
