import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, parseMysqlUrl } from '../../src/config';

const DIR = mkdtempSync(join(tmpdir(), 'pgw-unit-cluster-config-'));
afterAll(() => rmSync(DIR, { recursive: true, force: true }));
const SECRET = { SUBJECT_HASH_SECRET: 'x'.repeat(32), DATA_DIR: DIR };

describe('several hosts per server (cluster nodes)', () => {
  it('lists every host of DATABASE_URL in order, the first preferred, with the catalog and credentials', () => {
    const c = loadConfig({ ...SECRET, DATABASE_URL: 'mysql://gw:p%40ss@h1:3306,10.0.0.2:3307,[::1]/pgw' });
    expect(c.mysql).toEqual({
      host: 'h1',
      port: 3306,
      hosts: [{ host: 'h1', port: 3306 }, { host: '10.0.0.2', port: 3307 }, { host: '::1', port: 3306 }],
      user: 'gw',
      password: 'p@ss',
      catalogDatabase: 'pgw',
    });
    expect(c.storeServers.default.hosts).toEqual(c.mysql!.hosts);
  });

  it('reads a store server with several hosts among others in STORE_SERVERS', () => {
    const c = loadConfig({ ...SECRET, DATABASE_URL: 'mysql://gw:pw@h1', STORE_SERVERS: 'eu-1=mysql://a:b@n1:3306,n2:3306,n3:3306,eu-2=mysql://c@m1:3310' });
    expect(c.storeServers['eu-1'].hosts).toEqual([{ host: 'n1', port: 3306 }, { host: 'n2', port: 3306 }, { host: 'n3', port: 3306 }]);
    expect(c.storeServers['eu-2']).toEqual({ host: 'm1', port: 3310, hosts: [{ host: 'm1', port: 3310 }], user: 'c', password: '' });
  });

  it('keeps the single-host forms it read before', () => {
    expect(parseMysqlUrl('mysql://root@127.0.0.1:3306')).toEqual({ host: '127.0.0.1', port: 3306, hosts: [{ host: '127.0.0.1', port: 3306 }], user: 'root', password: '', catalogDatabase: 'privacy_gateway' });
    expect(parseMysqlUrl('mysql://u:p@db/x?ssl=1').catalogDatabase).toBe('x');
  });

  it.each([
    ['an empty host between commas', 'mysql://u@h1:3306,,h3:3306/db', /each host is host\[:port\]/],
    ['a port out of range', 'mysql://u@h1:3306,h2:70000/db', /the port 1-65535/],
    ['a host with a space', 'mysql://u@h1:3306,h 2:3306/db', /each host is host/],
    ['a host listed twice', 'mysql://u@h1:3306,h1:3306/db', /listed twice/],
    ['a bad database name', 'mysql://u@h1:3306,h2/d-b', /database name must be/],
    ['more than 16 hosts', `mysql://u@${Array.from({ length: 17 }, (_, i) => `h${i}`).join(',')}/db`, /at most 16 hosts/],
  ])('refuses %s, naming the variable and not echoing the value', (_case, url, message) => {
    let err: unknown;
    try {
      loadConfig({ ...SECRET, DATABASE_URL: url });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toMatch(/^Invalid configuration: DATABASE_URL/);
    expect((err as Error).message).not.toContain('h2');
  });

  it('names the store server whose host list is wrong', () => {
    expect(() => loadConfig({ ...SECRET, DATABASE_URL: 'mysql://u@h1', STORE_SERVERS: 'eu-1=mysql://a@n1:3306,n1:3306' })).toThrow(/STORE_SERVERS: server eu-1: a host is listed twice/);
  });

  it('reads DB_PROBE_INTERVAL as a duration and refuses one under 100ms', () => {
    expect(loadConfig({ ...SECRET, DATABASE_URL: 'mysql://u@h1', DB_PROBE_INTERVAL: '500ms' }).dbProbeIntervalMs).toBe(500);
    expect(loadConfig({ ...SECRET, DATABASE_URL: 'mysql://u@h1' }).dbProbeIntervalMs).toBe(1000);
    expect(() => loadConfig({ ...SECRET, DATABASE_URL: 'mysql://u@h1', DB_PROBE_INTERVAL: '50ms' })).toThrow(/DB_PROBE_INTERVAL/);
  });
});
