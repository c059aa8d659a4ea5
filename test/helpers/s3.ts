import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
// s3rver is CommonJS without types.
// @ts-expect-error no type declarations
import S3rver from 's3rver';

/** An S3-compatible server (s3rver) on 127.0.0.1, keeping its objects as files under `dir`. */
export interface S3Server { endpoint: string; dir: string; close(): Promise<void> }

export async function startS3(): Promise<S3Server> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sightline-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, directory: dir, silent: true });
  const { port } = await server.run();
  return { endpoint: `http://127.0.0.1:${port}`, dir, close: async () => { await server.close(); fs.rmSync(dir, { recursive: true, force: true }); } };
}

/** The app's environment for S3 storage on that server (s3rver takes any bucket and its own fixed keys). */
export const s3Env = (s3: S3Server, bucket: string) => ({
  SIGHTLINE_STORAGE: 's3', S3_ENDPOINT: s3.endpoint, S3_BUCKET: bucket, S3_ACCESS_KEY_ID: 'S3RVER', S3_SECRET_ACCESS_KEY: 'S3RVER',
});
