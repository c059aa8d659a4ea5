import type { Up } from '../../platform/migrations';

/** Tables of the imports area (0004_imports). */
export const up: Up = async (_db, _kind) => {
  // filled in by the imports work
};
