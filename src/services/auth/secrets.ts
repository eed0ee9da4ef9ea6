import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** API key secrets are 256 random bits, so a fast hash is enough to store them safely. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function newSecret(): string {
  return `pgw_${randomBytes(32).toString('base64url')}`;
}

export function sameHash(a: string, b: string): boolean {
  const ba = Buffer.from(a, 'hex');
  const bb = Buffer.from(b, 'hex');
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}

/** Keyed hash of a store-scoped value: how the catalog names a person (see SubjectHasher). */
export function subjectHash(secret: string, storeScope: string, canonical: string): string {
  return createHmac('sha256', secret).update(`${storeScope}\u0000${canonical}`, 'utf8').digest('hex');
}
