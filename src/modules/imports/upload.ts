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
import { scratchFile, uploadFiles } from './service';

// Spreadsheet uploads stream to a scratch file on this machine (a register can be hundreds of megabytes, so it is
// never held in memory), bounded by config.maxImportBytes: past it the partial file is deleted and the request
// refused. The route that accepts it stores it in blob storage (imports service createRun); the scratch file is
// deleted when the response is sent, whatever happened.
// Form fields land on req.body as strings, so the page's CSRF check works as for any form; for pages the token
// (which comes first in the form) is checked before a byte of the file is written.

/** A received upload: the run id minted for it and the scratch file holding its bytes. */
export interface ReceivedUpload { id: string; path: string; fileName: string; size: number }

const uploads = new WeakMap<FastifyRequest, ReceivedUpload>();

export function uploadOf(req: FastifyRequest): ReceivedUpload | null {
  return uploads.get(req) ?? null;
}

const tooLarge = (maxBytes: number) => {
  const message = `The file must be smaller than ${maxBytes / 2 ** 20} MB. Split the register into smaller files`;
  return new AppError(413, 'file_too_large', message, { file: message });
};

export async function registerUploads(scope: FastifyInstance, deps: AppDeps) {
  const maxBytes = deps.config.maxImportBytes;
  await scope.register(multipart, { limits: { fields: 20, fieldSize: 64 * 1024, parts: 30, files: 1, fieldNameSize: 100, fileSize: maxBytes }, throwFileSizeLimit: false });
  const files = uploadFiles(deps.storage, deps.config.dataDir);

  // Stored in blob storage or refused (no permission, not a spreadsheet, a bad field): the scratch copy goes.
  scope.addHook('onResponse', async (req) => {
    const u = uploads.get(req);
    if (u) fs.rmSync(u.path, { force: true });
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
        written = scratchFile(files);
        let size = 0;
        const count = new Transform({ transform(chunk: Buffer, _e, cb) { size += chunk.length; cb(null, chunk); } });
        await pipeline(part.file, count, fs.createWriteStream(written, { mode: 0o640 }));
        if (part.file.truncated || size > maxBytes) throw tooLarge(maxBytes);
        if (size === 0 && !part.filename) { fs.rmSync(written, { force: true }); written = null; continue; }
        uploads.set(req, { id: mintId(), path: written, fileName: path.basename(part.filename || 'spreadsheet'), size });
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
