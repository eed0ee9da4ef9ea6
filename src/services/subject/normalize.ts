/**
 * Canonical forms of the identifiers a shopper is known by. E-mails are trimmed and
 * lower-cased (ASCII and Unicode case alike) and otherwise kept byte for byte, so
 * `josé@x.com`, `jose@x.com` and a Cyrillic look-alike stay three different people.
 */
export const MAX_EMAIL_LENGTH = 254;
export const MAX_ID_LENGTH = 128;

// Deliberately permissive on the local part (RFC 5322 allows a lot, and shops send what
// shoppers typed), strict on structure: one @, no whitespace or control characters, a dot
// in the domain.
const EMAIL_SHAPE = /^[^\s@\p{Cc}]+@[^\s@\p{Cc}]+\.[^\s@\p{Cc}]+$/u;
const ID_SHAPE = /^[^\s\p{Cc}]+$/u;

export function normalizeEmail(raw: string): string | null {
  const email = raw.trim().toLowerCase();
  if (email.length === 0 || email.length > MAX_EMAIL_LENGTH) return null;
  return EMAIL_SHAPE.test(email) ? email : null;
}

export function normalizeId(raw: string): string | null {
  const id = raw.trim();
  if (id.length === 0 || id.length > MAX_ID_LENGTH) return null;
  return ID_SHAPE.test(id) ? id : null;
}

/** A subject as typed by a user: an e-mail address (contains '@') or a customer ID. */
export type Subject = { kind: 'email'; email: string } | { kind: 'id'; id: string };

export function parseSubject(raw: string): Subject | null {
  if (raw.includes('@')) {
    const email = normalizeEmail(raw);
    return email ? { kind: 'email', email } : null;
  }
  const id = normalizeId(raw);
  return id ? { kind: 'id', id } : null;
}
