import type express from 'express';

/* What the gateway's own pages (playground, dashboard) share. */

/**
 * A Content-Security-Policy for the gateway's own pages (playground, dashboard): nothing but
 * our own origin, plus the extra sources a page names (GraphiQL's inline styles and data: fonts).
 */
export function ownOriginCsp(also: { style?: string; font?: string; img?: string } = {}): string {
  const self = (directive: string, more?: string) => `${directive} 'self'${more ? ` ${more}` : ''}`;
  return [
    "default-src 'none'",
    self('script-src'),
    self('style-src', also.style),
    ...(also.font ? [self('font-src', also.font)] : []),
    self('img-src', also.img),
    self('connect-src'),
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The headers every page the gateway serves carries: its CSP, no MIME sniffing, no referrer. */
export function setPageHeaders(res: express.Response, csp: string): void {
  res.setHeader('Content-Security-Policy', csp);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
}

/** Static files read once, on first request, and served from memory after. */
export function fileCache(): (name: string, read: () => Buffer) => Buffer {
  const cache = new Map<string, Buffer>();
  return (name, read) => {
    let body = cache.get(name);
    if (!body) {
      body = read();
      cache.set(name, body);
    }
    return body;
  };
}

/** JSON safe inside an HTML <script> element (no `</script>` can close it early). */
export const escapeJsonForHtml = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c');
