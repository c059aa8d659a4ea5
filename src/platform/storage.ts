import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
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
  /** Stores a file's bytes, streamed from disk (for files too large to hold in memory), like put(). */
  putFile(file: string): Promise<{ sha256: string; size: number }>;
  /** The bytes, checked against their SHA-256 (a damaged blob is an error, never served). Missing: BlobNotFoundError. */
  get(sha256: string): Promise<Buffer>;
  /** The bytes as a stream, for downloads of large files. Missing: BlobNotFoundError. */
  getStream(sha256: string): Promise<Readable>;
  exists(sha256: string): Promise<boolean>;
  /** Deletes a blob (callers make sure nothing refers to it any more). Deleting a missing blob is not an error. */
  remove(sha256: string): Promise<void>;
  /**
   * The same store with keys kept apart under `name` (a separate directory or key prefix). Each area's owner decides
   * alone when a blob is unused: identical bytes stored as a document and as an import are two blobs, so deleting
   * one never takes the other.
   */
  area(name: string): BlobStorage;
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

async function digestFile(file: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1024 * 1024 })) { hash.update(chunk); size += chunk.length; }
  return { sha256: hash.digest('hex'), size };
}

const AREA_RE = /^[a-z][a-z0-9-]{0,30}$/;
function checkArea(name: string): string {
  if (!AREA_RE.test(name)) throw new Error(`not a storage area name: ${name}`);
  return name;
}

/**
 * Copies a blob to a local file, streamed, refusing more than `maxBytes` and checking the SHA-256 on the way (for
 * readers that need a file on disk, such as a spreadsheet's zip directory). A failed copy leaves no file behind.
 */
export async function copyBlobToFile(storage: BlobStorage, sha256: string, file: string, maxBytes: number): Promise<{ size: number }> {
  const source = await storage.getStream(sha256);
  const hash = createHash('sha256');
  let size = 0;
  const check = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      size += chunk.length;
      if (size > maxBytes) { cb(new Error(`stored file ${sha256} is larger than ${maxBytes} bytes`)); return; }
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  try {
    await pipeline(source, check, fs.createWriteStream(file, { flags: 'wx', mode: 0o600 }));
    if (hash.digest('hex') !== sha256) throw new Error(`stored file ${sha256} does not match its checksum`);
  } catch (e) {
    await fs.promises.rm(file, { force: true });
    throw e;
  }
  return { size };
}

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
    await this.place(sha256, (tmp) => fs.promises.writeFile(tmp, data, { flag: 'wx', mode: 0o640 }));
    return { sha256, size: data.length };
  }

  async putFile(file: string) {
    const found = await digestFile(file);
    await this.place(found.sha256, async (tmp) => {
      await fs.promises.copyFile(file, tmp, fs.constants.COPYFILE_EXCL);
      await fs.promises.chmod(tmp, 0o640);
    });
    return found;
  }

  private async place(sha256: string, write: (tmp: string) => Promise<void>) {
    const target = this.file(sha256);
    if (await this.exists(sha256)) return;
    await fs.promises.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
    // Written under a temporary name and renamed, so a reader never sees half a file and two writers of the
    // same bytes cannot interleave (rename is atomic on one filesystem).
    const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await write(tmp);
      await fs.promises.rename(tmp, target);
    } catch (e) {
      await fs.promises.rm(tmp, { force: true });
      throw e;
    }
  }

  /** Under areas/<name>/ ("areas" is not two hex digits, so it cannot meet the ab/cd/ fan-out). */
  area(name: string): BlobStorage { return new LocalStorage(path.join(this.dir, 'areas', checkArea(name))); }

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

  /** `prefix`: where this area's keys start ("blobs" for the default area, as before areas existed). */
  constructor(private opts: S3Options, private prefix = 'blobs', client?: S3Client) {
    this.client = client ?? new S3Client({
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

  private key(sha256: string) { return `${this.prefix}/${relativeKey(checkKey(sha256))}`; }

  /** Keys under `areas/<name>/`, on the same client and bucket (destroy() the parent, not the area). */
  area(name: string): BlobStorage { return new S3Storage(this.opts, `areas/${checkArea(name)}`, this.client); }

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

  async putFile(file: string) {
    const found = await digestFile(file);
    await this.ensureBucket();
    if (!(await this.exists(found.sha256))) {
      // One PUT with the length known up front streams the file (S3 takes up to 5 GB this way; uploads are far smaller).
      await this.client.send(new PutObjectCommand({
        Bucket: this.opts.bucket, Key: this.key(found.sha256), Body: fs.createReadStream(file), ContentLength: found.size, ContentType: 'application/octet-stream',
      }));
    }
    return found;
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
