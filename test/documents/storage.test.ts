import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { BlobNotFoundError, copyBlobToFile, LocalStorage, S3Storage, type BlobStorage } from '../../src/platform/storage';
import { describeEachDb } from '../helpers/db';
import { createOrgFixture, createTestApp, type OrgFixture } from '../helpers/app';
import { startS3, type S3Server } from '../helpers/s3';
import { apiUpload, PDF } from './fixtures';

// One contract, two implementations: the local directory and S3 (against s3rver on 127.0.0.1).

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const s3Options = (endpoint: string, bucket: string) => ({ endpoint, bucket, region: 'eu-west-2', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });

function storageContract(name: string, make: () => BlobStorage) {
  describe(`blob storage contract: ${name}`, () => {
    it('stores bytes under their SHA-256 and gives the same bytes back, whole or streamed', async () => {
      const s = make();
      const data = Buffer.concat([PDF, Buffer.from(`${name} ${Math.random()}`)]);
      const put = await s.put(data);
      expect(put).toEqual({ sha256: sha(data), size: data.length });
      expect(await s.exists(put.sha256)).toBe(true);
      expect((await s.get(put.sha256)).equals(data)).toBe(true);
      const chunks: Buffer[] = [];
      for await (const c of await s.getStream(put.sha256)) chunks.push(Buffer.from(c));
      expect(Buffer.concat(chunks).equals(data)).toBe(true);
    });

    it('keeps the same bytes once: a second put is a no-op with the same key', async () => {
      const s = make();
      const data = Buffer.from(`same bytes ${name} ${Math.random()}`);
      const first = await s.put(data);
      const second = await s.put(Buffer.from(data));
      expect(second.sha256).toBe(first.sha256);
      expect((await s.get(first.sha256)).equals(data)).toBe(true);
    });

    it('says clearly when a blob is missing, and removes blobs', async () => {
      const s = make();
      const data = Buffer.from(`to remove ${name} ${Math.random()}`);
      const { sha256 } = await s.put(data);
      await s.remove(sha256);
      expect(await s.exists(sha256)).toBe(false);
      await expect(s.get(sha256)).rejects.toBeInstanceOf(BlobNotFoundError);
      await expect(s.getStream(sha256)).rejects.toBeInstanceOf(BlobNotFoundError);
      await s.remove(sha256); // removing twice is fine
    });

    it('stores a file streamed from disk and copies a blob back to a file, bounded and checked', async () => {
      const s = make();
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sightline-putfile-'));
      try {
        const data = Buffer.alloc(3 * 1024 * 1024 + 17, `${name} ${Math.random()}`);
        fs.writeFileSync(path.join(dir, 'in'), data);
        const put = await s.putFile(path.join(dir, 'in'));
        expect(put).toEqual({ sha256: sha(data), size: data.length });
        expect((await s.get(put.sha256)).equals(data)).toBe(true);
        expect(await copyBlobToFile(s, put.sha256, path.join(dir, 'out'), data.length)).toEqual({ size: data.length });
        expect(fs.readFileSync(path.join(dir, 'out')).equals(data)).toBe(true);
        // Larger than the caller accepts: refused, and no partial file is left.
        await expect(copyBlobToFile(s, put.sha256, path.join(dir, 'small'), 1024)).rejects.toThrow(/larger than 1024 bytes/);
        expect(fs.existsSync(path.join(dir, 'small'))).toBe(false);
        await expect(copyBlobToFile(s, sha(Buffer.from('never stored')), path.join(dir, 'none'), 1024)).rejects.toBeInstanceOf(BlobNotFoundError);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('keeps areas apart: the same bytes in two areas are two blobs, removed independently', async () => {
      const s = make();
      const data = Buffer.from(`shared bytes ${name} ${Math.random()}`);
      const { sha256 } = await s.put(data);
      const imports = s.area('imports');
      expect(await imports.exists(sha256)).toBe(false);
      await imports.put(data);
      await imports.remove(sha256);
      expect(await s.exists(sha256)).toBe(true);
      expect((await s.get(sha256)).equals(data)).toBe(true);
      expect(() => s.area('../escape')).toThrow(/not a storage area name/);
    });

    it('refuses keys that are not SHA-256 hex (no path or key tricks)', async () => {
      const s = make();
      for (const key of ['../../etc/passwd', 'A'.repeat(64), '']) await expect(s.get(key)).rejects.toThrow(/not a SHA-256/);
    });
  });
}

let localDir = '';
let s3: S3Server;
const made: S3Storage[] = [];
beforeAll(async () => {
  localDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sightline-blobs-'));
  s3 = await startS3();
});
afterAll(async () => {
  for (const m of made) m.destroy();
  await s3?.close();
  fs.rmSync(localDir, { recursive: true, force: true });
});

storageContract('local directory', () => new LocalStorage(localDir));
// The bucket does not exist yet: the first write creates it.
storageContract('S3 (s3rver)', () => { const s = new S3Storage(s3Options(s3.endpoint, 'contract-bucket')); made.push(s); return s; });

describe('local storage specifics', () => {
  it('never serves a damaged file', async () => {
    const s = new LocalStorage(localDir);
    const { sha256 } = await s.put(Buffer.from('original bytes'));
    const file = path.join(localDir, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
    fs.writeFileSync(file, 'tampered bytes');
    await expect(s.get(sha256)).rejects.toThrow(/does not match its checksum/);
  });
});

describeEachDb('documents on S3 storage', (db) => {
  let app: FastifyInstance;
  let org: OrgFixture;
  beforeAll(async () => {
    app = await createTestApp(db(), { SIGHTLINE_STORAGE: 's3', S3_ENDPOINT: s3.endpoint, S3_BUCKET: 'app-bucket', S3_ACCESS_KEY_ID: 'S3RVER', S3_SECRET_ACCESS_KEY: 'S3RVER' });
    org = await createOrgFixture(db(), 's3org');
  });
  afterAll(async () => { await app?.close(); });

  it('uploads through the app into the bucket and downloads it again', async () => {
    expect(app.deps.storage.kind).toBe('s3');
    const data = Buffer.concat([PDF, Buffer.from(`s3 ${Math.random()}`)]);
    const up = await apiUpload(app, org.tokens.manager, '/api/v1/documents', { category: 'contract' }, { filename: 'contract.pdf', data });
    expect(up.status).toBe(201);
    expect(await app.deps.storage.exists(sha(data))).toBe(true);
    const res = await app.inject({ method: 'GET', url: `/api/v1/documents/${up.json.id}/versions/1/download`, headers: { authorization: `Bearer ${org.tokens.viewer}` } });
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload.equals(data)).toBe(true);
    expect(res.headers['content-disposition']).toContain('filename="contract.pdf"');
  });
});
