import type { Up } from '../../platform/migrations';

/** Tables of the compliance area (0007_compliance). */
export const up: Up = async (_db, _kind) => {
  // filled in by the compliance work
};
