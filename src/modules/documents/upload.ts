import type { FastifyInstance, FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import { AppError } from '../../platform/errors';
import type { AppDeps } from '../../web/http';
import { fileTooLarge } from './service';

// Multipart uploads, for the routes of one plugin scope only (the rest of the app keeps refusing multipart).
// Form fields land on req.body as strings, so the CSRF check and the form readers work as for any form;
// the file is held apart, bounded by config.storage.maxUploadBytes: past the limit its bytes are dropped as
// they arrive and the request is answered with a 413, so nothing of it is stored.

export type Upload = { filename: string; data: Buffer; tooLarge: false } | { filename: string; data: null; tooLarge: true };

const uploads = new WeakMap<FastifyRequest, Upload>();

/** The file sent with this request, if any (an empty file input counts as none). */
export function uploadOf(req: FastifyRequest): Upload | null {
  return uploads.get(req) ?? null;
}

const FIELD_LIMITS = { fields: 30, fieldSize: 16 * 1024, parts: 40, files: 1, fieldNameSize: 100 };
// Room for the form fields and multipart framing around the file.
const ENVELOPE_BYTES = 1024 * 1024;

export async function registerUploads(scope: FastifyInstance, deps: AppDeps) {
  const maxBytes = deps.config.storage.maxUploadBytes;
  await scope.register(multipart, { limits: { ...FIELD_LIMITS, fileSize: maxBytes }, throwFileSizeLimit: false });

  scope.addHook('preValidation', async (req) => {
    if (!req.isMultipart()) return;
    // Nobody signed in, or no token offered: the route refuses before reading anything, so neither do we.
    if (req.url.startsWith('/api/') ? !req.headers.authorization : !req.session) return;
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes + ENVELOPE_BYTES) throw fileTooLarge(maxBytes);

    const body: Record<string, string | string[]> = {};
    try {
      for await (const part of req.parts()) {
        if (part.type === 'field') {
          const value = String(part.value ?? '');
          const prev = body[part.fieldname];
          body[part.fieldname] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
          continue;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const chunk of part.file) {
          size += chunk.length;
          if (size <= maxBytes) chunks.push(chunk);
        }
        if (part.fieldname !== 'file' || (!part.filename && size === 0)) continue;
        const tooLarge = part.file.truncated || size > maxBytes;
        uploads.set(req, tooLarge ? { filename: part.filename, data: null, tooLarge: true } : { filename: part.filename, data: Buffer.concat(chunks), tooLarge: false });
      }
    } catch (e: any) {
      if (e?.code === 'FST_FILES_LIMIT') throw new AppError(413, 'too_many_files', 'Upload one file at a time', { file: 'Upload one file at a time' });
      if (e?.statusCode === 413) throw new AppError(413, 'too_large', 'The form has too many or too large fields');
      throw new AppError(400, 'malformed_upload', 'The upload was interrupted or is not valid multipart/form-data. Try again.');
    }
    req.body = body;
  });
}

/** The uploaded file's bytes, or the error a person should see (no file, or too large). */
export function requireUpload(req: FastifyRequest, maxBytes: number): { filename: string; data: Buffer } {
  const upload = uploadOf(req);
  if (!upload) {
    if (!req.isMultipart()) throw new AppError(415, 'unsupported_media_type', 'Send the file as multipart/form-data in a field named "file"', { file: 'Select a file to upload' });
    throw new AppError(422, 'validation_failed', 'Select a file to upload', { file: 'Select a file to upload' });
  }
  if (upload.tooLarge) throw fileTooLarge(maxBytes);
  return upload;
}
