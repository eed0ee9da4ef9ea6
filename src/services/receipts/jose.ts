/**
 * jose 6 is published as ES modules only. Node 20.19+ loads it with require() (require(esm));
 * TypeScript's node16 module mode refuses a static import of it from CommonJS, so it is required
 * here once, typed by its own declarations.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const jose = require('jose') as typeof import('jose', { with: { 'resolution-mode': 'import' } });

export const { CompactSign, compactVerify, calculateJwkThumbprint, exportJWK, importJWK, createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader } = jose;
export type JWK = import('jose', { with: { 'resolution-mode': 'import' } }).JWK;
