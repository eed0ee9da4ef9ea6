import { createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../config';
import { calculateJwkThumbprint, CompactSign, exportJWK, JWK } from './jose';

/** A public key as GET /.well-known/jwks.json publishes it. */
export type PublishedKey = JWK & { kid: string; alg: 'EdDSA'; use: 'sig' };

/** Where the embedded engine keeps its generated signing key (0600, beside the catalog). */
export const EMBEDDED_KEY_FILE = 'receipt-signing-key.pem';

export interface ReceiptKeyConfig {
  engine: 'sqlite' | 'mysql';
  dataDir: string;
  /** RECEIPT_SIGNING_KEY: an Ed25519 private key, PKCS#8 PEM. Required with MySQL. */
  signingKeyPem?: string;
  /** RECEIPT_PREVIOUS_KEYS: earlier keys (PEM blocks, public SPKI or private PKCS#8), still published. */
  previousKeysPem?: string;
}

/**
 * Signs receipts (compact JWS, EdDSA over Ed25519) and publishes the keys that verify them.
 * Ed25519 signatures are deterministic: the same ledger entry signed with the same key gives
 * the same receipt byte for byte, so a receipt computed when read never changes between reads.
 * After a rotation, receipts are signed with the new key; the old public keys stay in the JWKS
 * (RECEIPT_PREVIOUS_KEYS), so receipts handed out before still verify.
 */
export class ReceiptSigner {
  private constructor(
    private readonly privateKey: KeyObject,
    readonly kid: string,
    private readonly published: PublishedKey[],
  ) {}

  static async load(config: ReceiptKeyConfig): Promise<ReceiptSigner> {
    const privateKey = signingKey(config);
    const current = await publish(createPublicKey(privateKey));
    const previous: PublishedKey[] = [];
    for (const pem of pemBlocks(config.previousKeysPem ?? '')) {
      let pub: KeyObject;
      try {
        pub = pem.includes('PRIVATE KEY') ? createPublicKey(createPrivateKey(pem)) : createPublicKey(pem);
      } catch {
        throw new ConfigError('Invalid configuration: RECEIPT_PREVIOUS_KEYS: each block must be an Ed25519 key in PEM (public SPKI or private PKCS#8)');
      }
      if (pub.asymmetricKeyType !== 'ed25519') throw new ConfigError('Invalid configuration: RECEIPT_PREVIOUS_KEYS: keys must be Ed25519');
      const k = await publish(pub);
      if (k.kid !== current.kid && !previous.some((p) => p.kid === k.kid)) previous.push(k);
    }
    return new ReceiptSigner(privateKey, current.kid, [current, ...previous]);
  }

  /** The JWKS document: the current key first, then every earlier one still honoured. */
  jwks(): { keys: PublishedKey[] } {
    return { keys: this.published.map((k) => ({ ...k })) };
  }

  /** A compact JWS over `payload` (serialized in the key order given: callers build it in a fixed order). */
  async sign(payload: Record<string, unknown>): Promise<string> {
    return new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg: 'EdDSA', kid: this.kid, typ: 'privacy-receipt+jws' }).sign(this.privateKey);
  }
}

function signingKey(config: ReceiptKeyConfig): KeyObject {
  if (config.signingKeyPem) {
    let key: KeyObject;
    try {
      key = createPrivateKey(config.signingKeyPem.replace(/\\n/g, '\n'));
    } catch {
      throw new ConfigError('Invalid configuration: RECEIPT_SIGNING_KEY must be an Ed25519 private key in PKCS#8 PEM');
    }
    if (key.asymmetricKeyType !== 'ed25519') throw new ConfigError('Invalid configuration: RECEIPT_SIGNING_KEY must be an Ed25519 key');
    return key;
  }
  // Several instances share a MySQL catalog: each generating its own key would sign receipts
  // that the others do not publish. The key is configured, the same on every instance.
  if (config.engine === 'mysql') throw new ConfigError('Invalid configuration: RECEIPT_SIGNING_KEY is required with DATABASE_URL (MySQL mode)');
  const file = join(config.dataDir, EMBEDDED_KEY_FILE);
  if (existsSync(file)) return createPrivateKey(readFileSync(file, 'utf8'));
  mkdirSync(config.dataDir, { recursive: true });
  const { privateKey } = generateKeyPairSync('ed25519');
  writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return privateKey;
}

async function publish(pub: KeyObject): Promise<PublishedKey> {
  const jwk = await exportJWK(pub);
  // RFC 7638 thumbprint: the kid follows from the key itself, the same on every instance.
  const kid = await calculateJwkThumbprint(jwk, 'sha256');
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, kid, alg: 'EdDSA', use: 'sig' };
}

function pemBlocks(text: string): string[] {
  return text.replace(/\\n/g, '\n').match(/-----BEGIN [A-Z ]+-----[\s\S]+?-----END [A-Z ]+-----/g) ?? [];
}
