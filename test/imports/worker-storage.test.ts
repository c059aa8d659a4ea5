import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { describeEachDb } from '../helpers/db';
import { api, createOrgFixture, createTestApp, type OrgFixture } from '../helpers/app';
import { s3Env, startS3, type S3Server } from '../helpers/s3';
import { MESSY_CSV, multipart, tempDir } from './files';

// An import where the web instance and the worker are different machines: S3 storage (s3rver on 127.0.0.1) and
// two apps on one database, each with its own empty DATA_DIR. The worker can only read the upload from the bucket.

/** Every file under a directory, as relative paths. */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
}

describeEachDb('import: S3 storage, worker on another machine', (db) => {
  let s3: S3Server;
  let web: FastifyInstance;
  let worker: FastifyInstance;
  let webDir: string;
  let workerDir: string;
  let org: OrgFixture;

  beforeAll(async () => {
    s3 = await startS3();
    webDir = tempDir();
    workerDir = tempDir();
    web = await createTestApp(db(), { ...s3Env(s3, 'imports-bucket'), DATA_DIR: webDir });
    worker = await createTestApp(db(), { ...s3Env(s3, 'imports-bucket'), DATA_DIR: workerDir });
    org = await createOrgFixture(db(), 's3imports');
  });
  afterAll(async () => {
    await web?.close();
    await worker?.close();
    await s3?.close();
    for (const d of [webDir, workerDir]) if (d) fs.rmSync(d, { recursive: true, force: true });
  });

  const bucketFiles = () => filesUnder(s3.dir).filter((f) => f.includes('areas/imports/'));

  it('stores the upload in the bucket; a worker with an empty DATA_DIR of its own imports it and the upload goes', async () => {
    const data = fs.readFileSync(MESSY_CSV);
    const sha = createHash('sha256').update(data).digest('hex');
    const { payload, headers } = multipart({ createSites: 'true' }, { name: 'messy-register.csv', data });
    const res = await web.inject({ method: 'POST', url: '/api/v1/imports', payload, headers: { ...headers, authorization: `Bearer ${org.tokens.manager}` } });
    expect(res.statusCode, res.body).toBe(202);
    const id = res.json().id as string;

    // The upload is in the bucket, under the imports' own area, and nowhere on the web instance's disk.
    expect(bucketFiles().some((f) => f.includes(sha))).toBe(true);
    expect(filesUnder(webDir).filter((f) => !f.endsWith('.key'))).toEqual([]);
    expect(filesUnder(workerDir).filter((f) => !f.endsWith('.key'))).toEqual([]);

    // Only the worker runs jobs; the web instance never does.
    expect(await worker.deps.jobs.drain()).toBeGreaterThan(0);
    const run = (await api(web, org.tokens.viewer, 'GET', `/api/v1/imports/${id}`)).json;
    expect(run.error).toBeNull();
    expect(run.state).toBe('done');
    expect(run.report).toMatchObject({ added: 6, errorCount: 0 });
    expect((await api(web, org.tokens.viewer, 'GET', '/api/v1/assets')).json.items).toHaveLength(6);

    // Imported: the upload is removed from the bucket, and the worker's scratch copy from its disk.
    expect(bucketFiles().filter((f) => f.includes(sha))).toEqual([]);
    expect(filesUnder(workerDir).filter((f) => !f.endsWith('.key'))).toEqual([]);
  });

  it('previews (dry run) on the worker from the bucket, and keeps the upload for the import that follows', async () => {
    const data = Buffer.from('Serial,Make,MAC Address\r\nW-1,Axis,00:40:8C:00:00:71\r\nW-2,Axis,00:40:8C:00:00:72\r\n');
    const sha = createHash('sha256').update(data).digest('hex');
    const { payload, headers } = multipart({ dryRun: 'true' }, { name: 'dry.csv', data });
    const res = await web.inject({ method: 'POST', url: '/api/v1/imports', payload, headers: { ...headers, authorization: `Bearer ${org.tokens.manager}` } });
    expect(res.statusCode, res.body).toBe(202);
    await worker.deps.jobs.drain();
    const run = (await api(web, org.tokens.viewer, 'GET', `/api/v1/imports/${res.json().id}`)).json;
    expect(run.state).toBe('previewed');
    expect(run.preview).toMatchObject({ added: 2, errorCount: 0 });
    expect(bucketFiles().some((f) => f.includes(sha))).toBe(true);
  });
});
