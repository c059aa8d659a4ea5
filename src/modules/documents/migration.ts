import type { Up } from '../../platform/migrations';

/** Tables of the documents area (0005_documents). */
export const up: Up = async (_db, _kind) => {
  // filled in by the documents work
};
