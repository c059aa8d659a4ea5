import { z } from 'zod';

/** An error a user is meant to see: it carries an HTTP status, a stable code and, for bad input, the fields at fault. */
export class AppError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public fields?: Record<string, string>,
  ) {
    super(message);
  }
}

export class ValidationError extends AppError {
  constructor(fields: Record<string, string>, message = 'Some fields need correcting') {
    super(422, 'validation_failed', message, fields);
  }
}

export const notFound = (what: string) => new AppError(404, 'not_found', `${what} not found`);
export const forbidden = (message = 'Your role does not allow this') => new AppError(403, 'forbidden', message);
export const conflict = (field: string, message: string) => new AppError(409, 'conflict', message, { [field]: message });

/** Turns a zod failure into one message per field, named by its dotted path ("cidrs.1"). */
export function zodFields(error: z.ZodError): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = issue.path.length ? issue.path.join('.') : '_';
    if (issue.code === 'unrecognized_keys') {
      for (const k of issue.keys) fields[[...issue.path, k].join('.')] = `Unknown field "${k}"`;
      continue;
    }
    if (!fields[key]) fields[key] = issue.message;
  }
  return fields;
}

export function parseInput<T extends z.ZodType>(schema: T, data: unknown): z.infer<T> {
  const r = schema.safeParse(data);
  if (!r.success) throw new ValidationError(zodFields(r.error));
  return r.data;
}

/**
 * Validates a PATCH body and keeps only the fields the caller sent. (A partial zod schema still fills in field
 * defaults, which would silently reset fields the caller left out.)
 */
export function parsePatch<T extends z.ZodType>(schema: T, body: unknown): Partial<z.infer<T>> {
  const parsed = parseInput(schema, body) as Record<string, unknown>;
  const given = body && typeof body === 'object' ? new Set(Object.keys(body)) : new Set<string>();
  return Object.fromEntries(Object.entries(parsed).filter(([k, v]) => given.has(k) && v !== undefined)) as Partial<z.infer<T>>;
}
