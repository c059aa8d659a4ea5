import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import {
  CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, PutObjectCommand, S3Client,
} from '@aws-sdk/client-s3';
import type { Config } from './config';

/**
 * Where uploaded files live. Content-addressed: a blob's key is the SHA-256 of its bytes, so the same file
 * uploaded twice is stored once. A local directory by default; S3-compatible object storage when configured.
 */
export interface BlobStorage {
  readonly kind: 'local' | 's3';
  /** Stores the bytes under their SHA-256 and returns it (hex). Storing bytes that are already there is a no-op. */
  put(data: Buffer): Promise<{ sha256: string; size: number }>;
  /** The bytes, checked against their SHA-256 (a damaged blob is an error, never served). Missing: BlobNotFoundError. */
  get(sha256: string): Promise<Buffer>;
  /** The bytes as a stream, for downloads of large files. Missing: BlobNotFoundError. */
  getStream(sha256: string): Promise<Readable>;
  exists(sha256: string): Promise<boolean>;
  /** Deletes a blob (callers make sure nothing refers to it any more). Deleting a missing blob is not an error. */
  remove(sha256: string): Promise<void>;
}

export class BlobNotFoundError extends Error {
  constructor(public sha256: string) { super(`stored file ${sha256} is missing`); }
}

const SHA256_RE = /^[0-9a-f]{64}$/;

/** Keys come from our own database, but a malformed one must never turn into a path or object key. */
function checkKey(sha256: string): string {
  if (!SHA256_RE.test(sha256)) throw new Error('not a SHA-256 blob key');
  return sha256;
}

const digest = (data: Buffer) => createHash('sha256').update(data).digest('hex');

function verified(sha256: string, data: Buffer): Buffer {
  if (digest(data) !== sha256) throw new Error(`stored file ${sha256} does not match its checksum`);
  return data;
}

/** Two levels of fan-out (ab/cd/abcd…) keep directories and S3 listings small. */
const relativeKey = (sha256: string) => `${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`;

export class LocalStorage implements BlobStorage {
  readonly kind = 'local' as const;
  constructor(readonly dir: string) {}

  private file(sha256: string) { return path.join(this.dir, ...relativeKey(checkKey(sha256)).split('/')); }

  async put(data: Buffer) {
    const sha256 = digest(data);
    const target = this.file(sha256);
    if (!(await this.exists(sha256))) {
      await fs.promises.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
      // Written under a temporary name and renamed, so a reader never sees half a file and two writers of the
      // same bytes cannot interleave (rename is atomic on one filesystem).
      const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
      await fs.promises.writeFile(tmp, data, { flag: 'wx', mode: 0o640 });
      await fs.promises.rename(tmp, target);
    }
    return { sha256, size: data.length };
  }

  async get(sha256: string) {
    try {
      return verified(sha256, await fs.promises.readFile(this.file(sha256)));
    } catch (e: any) {
      if (e?.code === 'ENOENT') throw new BlobNotFoundError(sha256);
      throw e;
    }
  }

  async getStream(sha256: string): Promise<Readable> {
    try {
      const handle = await fs.promises.open(this.file(sha256), 'r');
      return handle.createReadStream();
    } catch (e: any) {
      if (e?.code === 'ENOENT') throw new BlobNotFoundError(sha256);
      throw e;
    }
  }

  async exists(sha256: string) {
    try {
      await fs.promises.access(this.file(sha256));
      return true;
    } catch {
      return false;
    }
  }

  async remove(sha256: string) {
    await fs.promises.rm(this.file(sha256), { force: true });
  }
}

export interface S3Options {
  endpoint: string | null; bucket: string; region: string; accessKeyId: string | null; secretAccessKey: string | null;
}

const isNotFound = (e: any) => e?.$metadata?.httpStatusCode === 404 || e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.name === 'NoSuchBucket';

export class S3Storage implements BlobStorage {
  readonly kind = 's3' as const;
  private client: S3Client;
  private bucketReady: Promise<void> | null = null;

  constructor(private opts: S3Options) {
    this.client = new S3Client({
      region: opts.region,
      endpoint: opts.endpoint ?? undefined,
      // Path-style addressing and checksums only when S3 requires them: what MinIO, s3rver and most
      // S3-compatible stores understand.
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      credentials: opts.accessKeyId && opts.secretAccessKey ? { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey } : undefined,
    });
  }

  private key(sha256: string) { return `blobs/${relativeKey(checkKey(sha256))}`; }

  /** Creates the bucket on first write if it is missing (a fresh MinIO or s3rver has none). */
  private ensureBucket() {
    this.bucketReady ??= (async () => {
      try {
        await this.client.send(new HeadBucketCommand({ Bucket: this.opts.bucket }));
      } catch (e) {
        if (!isNotFound(e)) throw e;
        await this.client.send(new CreateBucketCommand({ Bucket: this.opts.bucket }));
      }
    })().catch((e) => { this.bucketReady = null; throw e; });
    return this.bucketReady;
  }

  async put(data: Buffer) {
    const sha256 = digest(data);
    await this.ensureBucket();
    if (!(await this.exists(sha256))) {
      await this.client.send(new PutObjectCommand({
        Bucket: this.opts.bucket, Key: this.key(sha256), Body: data, ContentLength: data.length, ContentType: 'application/octet-stream',
      }));
    }
    return { sha256, size: data.length };
  }

  private async object(sha256: string) {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.opts.bucket, Key: this.key(sha256) }));
      if (!out.Body) throw new BlobNotFoundError(sha256);
      return out.Body;
    } catch (e) {
      if (isNotFound(e)) throw new BlobNotFoundError(sha256);
      throw e;
    }
  }

  async get(sha256: string) {
    const body = await this.object(sha256);
    return verified(sha256, Buffer.from(await body.transformToByteArray()));
  }

  async getStream(sha256: string): Promise<Readable> {
    const body = await this.object(sha256);
    // In Node the SDK's body is an IncomingMessage (a Readable); anything else is wrapped.
    return body instanceof Readable ? body : Readable.fromWeb(body.transformToWebStream() as any);
  }

  async exists(sha256: string) {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.opts.bucket, Key: this.key(sha256) }));
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }

  async remove(sha256: string) {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.opts.bucket, Key: this.key(sha256) }));
  }

  destroy() { this.client.destroy(); }
}

export function createStorage(config: Config): BlobStorage {
  if (config.storage.kind === 's3') {
    if (!config.storage.s3) throw new Error('SIGHTLINE_STORAGE=s3 needs S3_BUCKET (and S3_ENDPOINT for S3-compatible stores)');
    return new S3Storage(config.storage.s3);
  }
  return new LocalStorage(config.storage.dir);
}
