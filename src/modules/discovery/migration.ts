import type { Up } from '../../platform/migrations';

/** Tables of the discovery area (0006_discovery). */
export const up: Up = async (_db, _kind) => {
  // filled in by the discovery work
};
