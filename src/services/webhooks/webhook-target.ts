import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { BadUserInputError } from '../../errors';
import { AddressClass, classifyAddress } from './address-policy';

export const MAX_WEBHOOK_URL_LENGTH = 2048;
const FIELD = 'settings.webhookUrl';

/** Why a target cannot be called (a fixed word: it goes to the attempt record, never the URL). */
export class TargetRefused extends Error {
  constructor(readonly reason: 'bad-url' | 'unresolvable' | 'refused-address') {
    super(reason);
  }
}

export interface ResolvedTarget {
  url: URL;
  /** The checked address the request is sent to (DNS is not asked again on the way). */
  address: string;
  family: 4 | 6;
}

/**
 * The webhook URL as a store sets it: an absolute https:// URL (http:// too with
 * WEBHOOK_ALLOW_PRIVATE), no credentials, at most 2,048 characters. Messages name the field and
 * the rule, never the value.
 */
export function parseWebhookUrl(raw: string, allowPrivate: boolean): URL {
  if (raw.length > MAX_WEBHOOK_URL_LENGTH) throw new BadUserInputError(`${FIELD} is longer than ${MAX_WEBHOOK_URL_LENGTH} characters`);
  if (/[\s\p{Cc}]/u.test(raw)) throw new BadUserInputError(`${FIELD} must not contain spaces or control characters`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new BadUserInputError(`${FIELD} must be an absolute https:// URL`);
  }
  const schemes = allowPrivate ? ['https:', 'http:'] : ['https:'];
  if (!schemes.includes(url.protocol)) {
    throw new BadUserInputError(`${FIELD} must be an https:// URL${allowPrivate ? ' (or http://)' : ' (http:// is allowed only with WEBHOOK_ALLOW_PRIVATE=true)'}`);
  }
  if (url.username || url.password) throw new BadUserInputError(`${FIELD} must not carry a user name or password`);
  if (!url.hostname) throw new BadUserInputError(`${FIELD} must name a host`);
  return url;
}

/**
 * Resolves the target's host and checks EVERY address it resolves to: one private address is
 * enough to refuse it (a name answering with a public and a private address would otherwise
 * let a later connection land inside). Returns the first address, to connect to it and only it.
 */
export async function resolveTarget(url: URL, allowPrivate: boolean): Promise<ResolvedTarget> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: { address: string; family: number }[];
  if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
  else {
    try {
      addresses = await lookup(host, { all: true, verbatim: true });
    } catch {
      throw new TargetRefused('unresolvable');
    }
  }
  if (addresses.length === 0) throw new TargetRefused('unresolvable');
  if (!allowPrivate) {
    const bad = addresses.map((a) => classifyAddress(a.address)).find((c): c is AddressClass => c !== null);
    if (bad) throw new TargetRefused('refused-address');
  }
  const first = addresses[0];
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}

/** Checks a URL a store sets: syntax, then resolution to public addresses only (unless allowed). */
export async function checkWebhookUrl(raw: string, allowPrivate: boolean): Promise<string> {
  const url = parseWebhookUrl(raw, allowPrivate);
  try {
    await resolveTarget(url, allowPrivate);
  } catch (e) {
    if (!(e instanceof TargetRefused)) throw e;
    throw new BadUserInputError(
      e.reason === 'unresolvable'
        ? `${FIELD} must name a host that resolves`
        : `${FIELD} must resolve to public addresses only (not loopback, private, link-local, CGNAT, multicast or reserved)`,
    );
  }
  return url.toString();
}
