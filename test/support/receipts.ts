import { createPublicKey, verify } from 'node:crypto';

export interface Jwks {
  keys: { kty: string; crv: string; x: string; kid: string; alg: string; use: string }[];
}

/**
 * Verifies a compact JWS with node:crypto alone (not jose, which signed it): an independent
 * implementation of RFC 7515 + RFC 8037. Returns the payload, or null when it does not verify.
 */
export function verifyWithNodeCrypto(jws: string, jwks: Jwks): Record<string, unknown> | null {
  const parts = jws.split('.');
  if (parts.length !== 3) return null;
  const [h, p, s] = parts;
  const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as { alg?: string; kid?: string };
  if (header.alg !== 'EdDSA') return null;
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  if (!jwk) return null;
  const key = createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x }, format: 'jwk' });
  if (!verify(null, Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url'))) return null;
  return JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
}

export const jwksOf = async (graphqlUrl: string): Promise<Jwks> => (await (await fetch(graphqlUrl.replace(/\/graphql$/, '/.well-known/jwks.json'))).json()) as Jwks;

/** The same JWS with one character of its payload changed. */
export function tamper(jws: string): string {
  const [h, p, s] = jws.split('.');
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
  payload.storeId = 'someone-else';
  return `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
}
