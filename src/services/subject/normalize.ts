/**
 * Canonical forms of the identifiers a shopper is known by. E-mails are trimmed and their ASCII
 * letters lower-cased; every other character is kept as it is, so `josé@x.com`, `jose@x.com`, a
 * Cyrillic look-alike and an address spelled with the Kelvin sign (U+212A, which Unicode
 * lower-casing would turn into "k") stay different people.
 */
export const MAX_EMAIL_LENGTH = 254;
export const MAX_ID_LENGTH = 128;

// Deliberately permissive on the local part (RFC 5322 allows a lot, and shops send what
// shoppers typed), strict on structure: one @, no whitespace or control characters, a dot
// in the domain.
const EMAIL_SHAPE = /^[^\s@\p{Cc}]+@[^\s@\p{Cc}]+\.[^\s@\p{Cc}]+$/u;
const ID_SHAPE = /^[^\s\p{Cc}]+$/u;

export function normalizeEmail(raw: string): string | null {
  // Only A-Z: String#toLowerCase also folds non-ASCII (K -> k, İ -> i̇), merging distinct addresses.
  const email = raw.trim().replace(/[A-Z]/g, (c) => c.toLowerCase());
  if (email.length === 0 || email.length > MAX_EMAIL_LENGTH) return null;
  return EMAIL_SHAPE.test(email) ? email : null;
}

export function normalizeId(raw: string): string | null {
  const id = raw.trim();
  if (id.length === 0 || id.length > MAX_ID_LENGTH) return null;
  return ID_SHAPE.test(id) ? id : null;
}
