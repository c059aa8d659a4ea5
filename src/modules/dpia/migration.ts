import type { Up } from '../../platform/migrations';

/** Tables of the dpia area (0008_dpia). */
export const up: Up = async (_db, _kind) => {
  // filled in by the dpia work
};
