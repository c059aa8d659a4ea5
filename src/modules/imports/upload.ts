import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import { AppError } from '../../platform/errors';
import type { AppDeps } from '../../web/http';
import { checkCsrf } from '../../web/auth';
import { mintId } from './ids';
import { importsDir } from './service';

// Spreadsheet uploads stream straight to DATA_DIR/imports (a register can be hundreds of megabytes, so it is never
// held in memory), bounded by config.maxImportBytes: past it the partial file is deleted and the request refused.
// Form fields land on req.body as strings, so the page's CSRF check works as for any form; for pages the token
// (which comes first in the form) is checked before a byte of the file is written.

export interface StoredUpload { storedName: string; fileName: string; size: number }

const uploads = new WeakMap<FastifyRequest, StoredUpload & { path: string; kept: boolean }>();

export function uploadOf(req: FastifyRequest): StoredUpload | null {
  return uploads.get(req) ?? null;
}

/** The upload became an import run: keep the file. Any other upload is deleted when the response is sent. */
export function keepUpload(req: FastifyRequest) {
  const u = uploads.get(req);
  if (u) u.kept = true;
}

const tooLarge = (maxBytes: number) => {
  const message = `The file must be smaller than ${maxBytes / 2 ** 20} MB. Split the register into smaller files`;
  return new AppError(413, 'file_too_large', message, { file: message });
};

export async function registerUploads(scope: FastifyInstance, deps: AppDeps) {
  const maxBytes = deps.config.maxImportBytes;
  await scope.register(multipart, { limits: { fields: 20, fieldSize: 64 * 1024, parts: 30, files: 1, fieldNameSize: 100, fileSize: maxBytes }, throwFileSizeLimit: false });
  const dir = importsDir(deps.config.dataDir);

  // Refused for any reason (no permission, not a spreadsheet, a bad field): the file goes.
  scope.addHook('onResponse', async (req) => {
    const u = uploads.get(req);
    if (u && !u.kept) fs.rmSync(u.path, { force: true });
  });

  scope.addHook('preValidation', async (req) => {
    if (!req.isMultipart()) return;
    const api = req.url.startsWith('/api/');
    if (api ? !req.headers.authorization : !req.session) return;
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes + 1024 * 1024) throw tooLarge(maxBytes);
    const body: Record<string, string> = {};
    let written: string | null = null;
    try {
      for await (const part of req.parts()) {
        if (part.type === 'field') { body[part.fieldname] = String(part.value ?? ''); continue; }
        if (part.fieldname !== 'file' || written) { part.file.resume(); continue; }
        req.body = body;
        if (!api) checkCsrf(req);
        fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
        const id = mintId();
        const storedName = `${id}.upload`;
        written = path.join(dir, storedName);
        let size = 0;
        const count = new Transform({ transform(chunk: Buffer, _e, cb) { size += chunk.length; cb(null, chunk); } });
        await pipeline(part.file, count, fs.createWriteStream(written, { mode: 0o640 }));
        if (part.file.truncated || size > maxBytes) throw tooLarge(maxBytes);
        if (size === 0 && !part.filename) { fs.rmSync(written, { force: true }); written = null; continue; }
        uploads.set(req, { storedName, fileName: path.basename(part.filename || 'spreadsheet'), size, path: written, kept: false });
      }
    } catch (e: any) {
      if (written) fs.rmSync(written, { force: true });
      if (e instanceof AppError) throw e;
      if (e?.code === 'FST_FILES_LIMIT') throw new AppError(413, 'too_many_files', 'Upload one file at a time', { file: 'Upload one file at a time' });
      if (e?.statusCode === 413) throw new AppError(413, 'too_large', 'The form has too many or too large fields');
      throw new AppError(400, 'malformed_upload', 'The upload was interrupted or is not valid multipart/form-data. Try again.');
    }
    req.body = body;
  });
}
