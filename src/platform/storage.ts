import type { Config } from './config';

/**
 * Where uploaded files live. Content-addressed: a blob's key is the SHA-256 of its bytes, so the same file
 * uploaded twice is stored once. A local directory by default; S3-compatible object storage when configured.
 * (Implemented by the documents work.)
 */
export interface BlobStorage {
  readonly kind: 'local' | 's3';
  /** Stores the bytes under their SHA-256 and returns it (hex). */
  put(data: Buffer): Promise<{ sha256: string; size: number }>;
  get(sha256: string): Promise<Buffer>;
  exists(sha256: string): Promise<boolean>;
}

export function createStorage(_config: Config): BlobStorage {
  const missing = async (): Promise<never> => { throw new Error('file storage is not implemented yet'); };
  return { kind: 'local', put: missing, get: missing, exists: missing };
}
