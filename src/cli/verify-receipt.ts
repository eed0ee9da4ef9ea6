import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { compactVerify, createLocalJWKSet, decodeProtectedHeader } from '../services/receipts/jose';

/**
 * `npm run verify-receipt -- <jws> [--jwks <file|url>]`: checks a receipt's signature offline
 * against a JWKS file (or fetched from a URL; default: the local gateway's
 * /.well-known/jwks.json), and prints what it certifies. Exit 0: valid; 1: not valid; 2: usage.
 */
const USAGE = 'usage: npm run verify-receipt -- <receipt (compact JWS)> [--jwks <file or https URL of a JWKS>]\n';
const { values, positionals } = parseArgs({ options: { jwks: { type: 'string' } }, allowPositionals: true });
if (positionals.length !== 1) {
  process.stderr.write(USAGE);
  process.exit(2);
}

async function main(jws: string): Promise<void> {
  const source = values.jwks ?? `http://localhost:${process.env.PORT ?? 4000}/.well-known/jwks.json`;
  const text = /^https?:\/\//.test(source) ? await (await fetch(source)).text() : readFileSync(source, 'utf8');
  const jwks = JSON.parse(text) as Parameters<typeof createLocalJWKSet>[0];
  try {
    const { payload, protectedHeader } = await compactVerify(jws.trim(), createLocalJWKSet(jwks), { algorithms: ['EdDSA'] });
    process.stdout.write(`valid receipt, signed with key ${protectedHeader.kid}\n${JSON.stringify(JSON.parse(new TextDecoder().decode(payload)), null, 2)}\n`);
  } catch (err) {
    let kid = '?';
    try {
      kid = decodeProtectedHeader(jws.trim()).kid ?? '?';
    } catch {
      // not even a JWS
    }
    process.stdout.write(`NOT valid (key ${kid}): ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}

main(positionals[0]).catch((err) => {
  process.stderr.write(`could not verify: ${(err as Error).message}\n`);
  process.exit(2);
});
