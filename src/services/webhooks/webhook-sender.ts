import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { ResolvedTarget } from './webhook-target';

export interface SendResult {
  /** The HTTP status, or null when none came (then `error` says why). */
  status: number | null;
  error: 'timeout' | 'network' | 'stopped' | null;
}

/** How much of an answer is read (then dropped): an endpoint cannot make the worker buffer much. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * One signed POST (Standard Webhooks) to the checked address of the target: the connection is
 * made to that address only (the lookup is pinned), so a name re-resolving to a private
 * address between the check and the connection (DNS rebinding) gets nowhere. TLS still checks
 * the certificate against the URL's host name. Redirects are not followed. Whole attempt
 * bounded by `timeoutMs`.
 */
export function sendSigned(target: ResolvedTarget, secret: string, id: string, payload: string, timeoutMs: number, signal?: AbortSignal): Promise<SendResult> {
  const now = new Date();
  const signature = new Webhook(secret).sign(id, now, payload);
  const body = Buffer.from(payload, 'utf8');
  const pinned: LookupFunction = (_host, options, callback) => {
    if (options.all) (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
  const { url } = target;
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: SendResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', abort);
      resolve(r);
    };
    const req = send(
      {
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        lookup: pinned,
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': String(body.length),
          'user-agent': 'privacy-gateway-webhooks/1',
          'webhook-id': id,
          'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
          'webhook-signature': signature,
        },
      },
      (res) => {
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_ANSWER_BYTES) res.destroy();
        });
        res.on('close', () => done({ status: res.statusCode ?? null, error: res.statusCode ? null : 'network' }));
        res.on('error', () => done({ status: res.statusCode ?? null, error: null }));
      },
    );
    const timer = setTimeout(() => {
      done({ status: null, error: 'timeout' });
      req.destroy();
    }, timeoutMs);
    req.on('error', () => done({ status: null, error: 'network' }));
    // The gateway is stopping: give up this attempt now (it is retried, same webhook-id, after the restart).
    const abort = () => {
      done({ status: null, error: 'stopped' });
      req.destroy();
    };
    if (signal?.aborted) abort();
    else signal?.addEventListener('abort', abort, { once: true });
    req.end(body);
  });
}
