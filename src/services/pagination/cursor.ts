import { BadUserInputError } from '../../errors';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** A page request after validation: how many, and the keyset position to continue after. */
export interface PageRequest {
  first: number;
  after: KeysetPosition | null;
}

/** The sort key of the last row seen: (time, id) for newest-first lists, (id) for by-ID lists. */
export type KeysetPosition = { at?: Date; id: string };

export function encodeCursor(pos: KeysetPosition): string {
  const payload = pos.at ? [pos.at.toISOString(), pos.id] : [pos.id];
  return Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, withTime: boolean): KeysetPosition {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.every((p) => typeof p === 'string')) {
      if (withTime && parsed.length === 2) {
        const at = new Date(parsed[0]);
        if (!Number.isNaN(at.getTime())) return { at, id: parsed[1] };
      }
      if (!withTime && parsed.length === 1) return { id: parsed[0] };
    }
  } catch {
    // fall through to the error below
  }
  throw new BadUserInputError('`after` is not a cursor this list produced');
}

export function pageRequest(first: number | null | undefined, after: string | null | undefined, withTime: boolean): PageRequest {
  const n = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(n) || n < 0 || n > MAX_PAGE_SIZE) {
    throw new BadUserInputError(`\`first\` must be between 0 and ${MAX_PAGE_SIZE}`);
  }
  return { first: n, after: after ? decodeCursor(after, withTime) : null };
}

/** Stable identity of a page request, for DataLoader keys. */
export function pageKey(page: PageRequest): string {
  return `${page.first}|${page.after ? encodeCursor(page.after) : ''}`;
}
