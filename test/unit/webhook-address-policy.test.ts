import { ConfigError, loadConfig } from '../../src/config';
import { classifyAddress } from '../../src/services/webhooks/address-policy';
import { backoffMs } from '../../src/services/webhooks/webhook-worker';
import { parseWebhookUrl } from '../../src/services/webhooks/webhook-target';
import { newWebhookSecret, WebhookSecretBox } from '../../src/services/webhooks/webhook-secret';

describe('the webhook address classifier (SSRF guard)', () => {
  it.each([
    ['8.8.8.8', null],
    ['1.1.1.1', null],
    ['172.32.0.1', null],
    ['100.128.0.1', null],
    ['2606:4700:4700::1111', null],
    ['2a00:1450:4001:82b::200e', null],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.10', 'documentation'],
    ['2001:db8::1', 'documentation'],
    ['198.18.0.1', 'benchmarking'],
    ['fd00::1', 'ipv6-ula'],
    ['fc12:3456::1', 'ipv6-ula'],
    ['::ffff:127.0.0.1', 'ipv6-mapped'],
    ['::ffff:10.0.0.1', 'ipv6-mapped'],
    ['::ffff:8.8.8.8', 'ipv6-mapped'],
    ['64:ff9b::a00:1', 'ipv6-translated'],
    ['2002:a00:1::1', 'ipv6-translated'],
    ['::127.0.0.1', 'ipv6-non-global'],
    ['not-an-address', 'invalid'],
  ])('%s is %p', (address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
  });
});

describe('webhook URL rules', () => {
  const code = (f: () => unknown) => {
    try {
      f();
      return null;
    } catch (e) {
      return { code: (e as { extensions?: { code?: string } }).extensions?.code, message: (e as Error).message };
    }
  };

  it.each([
    ['http://hooks.example.com/x', false, 'must be an https:// URL'],
    ['ftp://hooks.example.com/x', true, 'must be an https:// URL'],
    ['javascript:alert(1)', true, 'must be an https:// URL'],
    ['not a url', false, 'must not contain spaces'],
    ['hooks.example.com/x', false, 'must be an absolute https:// URL'],
    ['https://user:pw@hooks.example.com/x', false, 'must not carry a user name or password'],
    [`https://hooks.example.com/${'a'.repeat(2040)}`, false, 'is longer than 2048 characters'],
  ])('refuses %s (private allowed: %p), naming the field and the rule, never the value', (raw, allowPrivate, rule) => {
    const r = code(() => parseWebhookUrl(raw, allowPrivate));
    expect(r?.code).toBe('BAD_USER_INPUT');
    expect(r?.message).toContain('settings.webhookUrl');
    expect(r?.message).toContain(rule);
    expect(r?.message).not.toContain('hooks.example.com');
  });

  it('takes https always and http only with WEBHOOK_ALLOW_PRIVATE', () => {
    expect(parseWebhookUrl('https://hooks.example.com/a?b=1', false).toString()).toBe('https://hooks.example.com/a?b=1');
    expect(parseWebhookUrl('http://127.0.0.1:8080/a', true).toString()).toBe('http://127.0.0.1:8080/a');
  });
});

describe('webhook retries and secrets', () => {
  it.each([
    [1, 5000],
    [2, 10000],
    [3, 20000],
    [10, 2_560_000],
    [11, 3_600_000],
    [60, 3_600_000],
  ])('waits before retry %i: %i ms (base 5 s, doubling, capped at an hour)', (n, ms) => {
    expect(backoffMs(5000, n)).toBe(ms);
  });

  it('makes whsec_ secrets of 32 random bytes and keeps them sealed per store', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    const box = new WebhookSecretBox('server-secret');
    const sealed = box.seal('store-1', secret);
    expect(sealed).not.toContain(secret.slice(6));
    expect(sealed.length).toBeLessThanOrEqual(200);
    expect(box.open('store-1', sealed)).toBe(secret);
    expect(() => box.open('store-2', sealed)).toThrow();
    expect(() => new WebhookSecretBox('another-server-secret').open('store-1', sealed)).toThrow();
  });
});

describe('webhook configuration', () => {
  it.each([
    [{ WEBHOOK_RETRY_BASE: '30s' }, /WEBHOOK_RETRY_BASE/],
    [{ WEBHOOK_RETRY_BASE: 'soon' }, /WEBHOOK_RETRY_BASE/],
    [{ WEBHOOK_TIMEOUT: '5m' }, /WEBHOOK_TIMEOUT/],
    [{ WEBHOOK_POLL_INTERVAL: '0' }, /WEBHOOK_POLL_INTERVAL/],
    [{ WEBHOOK_ALLOW_PRIVATE: 'maybe' }, /WEBHOOK_ALLOW_PRIVATE/],
  ])('refuses %j naming the variable', (env, name) => {
    expect(() => loadConfig({ DATA_DIR: '/tmp/pgw-config-test', ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ DATA_DIR: '/tmp/pgw-config-test', ...env })).toThrow(name);
  });

  it('defaults: https and public addresses only, first retry after 5 s, retried for 24 h, 10 s per attempt', () => {
    expect(loadConfig({ DATA_DIR: '/tmp/pgw-config-test' })).toMatchObject({
      webhookAllowPrivate: false,
      webhookRetryBaseMs: 5000,
      webhookRetryForMs: 86_400_000,
      webhookTimeoutMs: 10_000,
      webhookPollIntervalMs: 2000,
    });
  });
});
