import { ENGINES, startTestGateway, TestGateway } from '../support/gateway';
import { PLAYGROUND_CSP } from '../../src/http/playground';

describe.each(ENGINES)('HTTP surface [%s]', (engine) => {
  let t: TestGateway;
  let base: string;
  beforeAll(async () => {
    t = await startTestGateway(engine);
    base = t.url.replace(/\/graphql$/, '');
  });
  afterAll(() => t?.close());

  it('answers /healthz and /readyz while the catalog answers', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready' }]);
  });

  it('serves the playground to a browser, with every script and style from its own origin', async () => {
    const res = await fetch(`${base}/graphql`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe(PLAYGROUND_CSP);
    const html = await res.text();
    // Navigation links (the dashboard) stay on this origin; every asset comes from /playground/.
    const links = [...html.matchAll(/<a\b[^>]*\shref="([^"]+)"/g)].map((m) => m[1]);
    for (const link of links) expect(link).toMatch(/^\/(?!\/)/);
    const refs = [...html.replace(/<a\b[^>]*>/g, '').matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThanOrEqual(5);
    for (const ref of refs) {
      expect(ref.startsWith('/playground/')).toBe(true);
      const asset = await fetch(`${base}${ref}`);
      expect(asset.status).toBe(200);
      const body = await asset.text();
      expect(body.length).toBeGreaterThan(100);
      // No stylesheet pulls fonts or images from elsewhere.
      if (ref.endsWith('.css')) expect(body).not.toMatch(/url\(\s*['"]?https?:/);
    }
  });

  it('answers a GET query with the preflight header, and refuses one without it (CSRF)', async () => {
    const q = encodeURIComponent('{ viewer { apiKeyId } }');
    const withHeader = await fetch(`${t.url}?query=${q}`, { headers: { authorization: `Bearer ${t.adminKey}`, 'apollo-require-preflight': '1' } });
    expect(await withHeader.json()).toEqual({ data: { viewer: { apiKeyId: 'bootstrap' } } });
    const without = await fetch(`${t.url}?query=${q}`, { headers: { authorization: `Bearer ${t.adminKey}` } });
    expect(without.status).toBe(400);
  });

  it('answers malformed JSON and oversized bodies with a 4xx and a code, never a stack', async () => {
    const bad = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${t.adminKey}` }, body: '{"query": ' });
    expect(bad.status).toBe(400);
    const badText = await bad.text();
    expect(badText).not.toMatch(/at .*\.(js|ts):\d+/);
    const big = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${t.adminKey}` }, body: JSON.stringify({ query: `{ viewer { apiKeyId } } #${'x'.repeat(2_000_000)}` }) });
    expect(big.status).toBe(413);
    expect(await big.json()).toEqual({ errors: [{ message: 'Request body too large', extensions: { code: 'BAD_REQUEST' } }] });
  });

  it('refuses HTTP batching', async () => {
    const res = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${t.adminKey}` }, body: JSON.stringify([{ query: '{ viewer { apiKeyId } }' }, { query: '{ viewer { apiKeyId } }' }]) });
    expect(res.status).toBe(400);
  });

  it('reports GraphQL syntax and validation errors with their codes', async () => {
    expect((await t.gql(t.adminKey, '{ viewer { ')).errors?.[0].extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    expect((await t.gql(t.adminKey, '{ viewer { nope } }')).errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});
