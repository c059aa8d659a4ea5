import { z } from 'zod';
import { AppError } from './errors';

/** Opaque keyset cursor: the sort value and id of the row a page ends (or starts) on. */
type CursorValue = string | number | null;
export interface Cursor { s: string; v: CursorValue | CursorValue[]; id: string; back?: boolean }

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

const cursorSchema = z.object({
  s: z.string().max(40), v: z.union([z.string().max(1000), z.number(), z.null(), z.array(z.union([z.string().max(1000), z.number(), z.null()])).max(4)]),
  id: z.string().max(64), back: z.boolean().optional(),
}).strict();

export function decodeCursor(text: string | undefined, sort: string): Cursor | null {
  if (!text) return null;
  try {
    const c = cursorSchema.parse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
    if (c.s !== sort) throw new Error('sort changed');
    return c;
  } catch {
    throw new AppError(400, 'bad_cursor', 'The cursor is not valid for this list; start again from the first page', { cursor: 'Not a valid cursor for this sort' });
  }
}

export const limitSchema = z.coerce.number().int('Limit must be a whole number').min(1, 'Limit must be at least 1').max(500, 'Limit must be 500 or fewer').default(50);
