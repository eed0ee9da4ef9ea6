import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/** HKDF label of the key that encrypts webhook secrets (its own: no other use of the server secret shares it). */
const HKDF_INFO = 'privacy-gateway webhook-secret v1';
const PREFIX = 'v1:';

/** A new signing secret as Standard Webhooks spells it: `whsec_` + base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * Webhook secrets are kept encrypted in the catalog (the gateway must sign with them, so they
 * are recoverable, unlike API keys): AES-256-GCM under a key derived from the server secret
 * (SUBJECT_HASH_SECRET) with HKDF, the store ID as associated data (a value copied to another
 * store does not decrypt).
 */
export class WebhookSecretBox {
  private readonly key: Buffer;

  constructor(serverSecret: string) {
    this.key = Buffer.from(hkdfSync('sha256', Buffer.from(serverSecret, 'utf8'), Buffer.alloc(0), HKDF_INFO, 32));
  }

  seal(storeId: string, secret: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(storeId, 'utf8'));
    const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  open(storeId: string, sealed: string): string {
    if (!sealed.startsWith(PREFIX)) throw new Error('unknown webhook secret format');
    const raw = Buffer.from(sealed.slice(PREFIX.length), 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(storeId, 'utf8'));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }
}
