import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';

// The embedded engine writes its generated secret into DATA_DIR: a folder of the test's own.
const DIR = mkdtempSync(join(tmpdir(), 'pgw-unit-config-'));
afterAll(() => rmSync(DIR, { recursive: true, force: true }));
const BASE = { DATABASE_URL: 'mysql://gw:pw@10.0.0.5:3306/pgw', SUBJECT_HASH_SECRET: 'x'.repeat(32), DATA_DIR: DIR };

describe('STORE_SERVERS and REDIS_URL configuration', () => {
  it('names the catalog server default and adds each configured server, credentials decoded', () => {
    const c = loadConfig({ ...BASE, STORE_SERVERS: ' eu-2=mysql://admin:p%40ss@10.0.0.6:3307 , eu_3=mysql://root@db3/ignored ' });
    expect(c.storeServers).toEqual({
      default: { host: '10.0.0.5', port: 3306, hosts: [{ host: '10.0.0.5', port: 3306 }], user: 'gw', password: 'pw' },
      'eu-2': { host: '10.0.0.6', port: 3307, hosts: [{ host: '10.0.0.6', port: 3307 }], user: 'admin', password: 'p@ss' },
      eu_3: { host: 'db3', port: 3306, hosts: [{ host: 'db3', port: 3306 }], user: 'root', password: '' },
    });
  });

  it('has only the catalog server without STORE_SERVERS, and none on the embedded engine', () => {
    expect(Object.keys(loadConfig(BASE).storeServers)).toEqual(['default']);
    expect(loadConfig({ DATA_DIR: DIR }).storeServers).toEqual({});
  });

  it.each([
    ['a name that is not one', 'EU 2=mysql://h', /STORE_SERVERS: each entry is <name>=mysql:/],
    ['the reserved name default', 'default=mysql://h', /not default or embedded/],
    ['a missing name', '=mysql://h', /each entry is/],
    ['a URL that is not MySQL', 'eu-2=postgres://h', /server eu-2 needs a mysql:/],
    ['a name given twice', 'eu-2=mysql://a,eu-2=mysql://b', /named twice/],
  ])('refuses %s, naming the variable', (_case, value, message) => {
    expect(() => loadConfig({ ...BASE, STORE_SERVERS: value })).toThrow(ConfigError);
    expect(() => loadConfig({ ...BASE, STORE_SERVERS: value })).toThrow(message);
  });

  it('refuses store servers without a MySQL catalog, and a REDIS_URL that is not one', () => {
    expect(() => loadConfig({ DATA_DIR: DIR, STORE_SERVERS: 'eu-2=mysql://h' })).toThrow(/STORE_SERVERS needs DATABASE_URL/);
    expect(() => loadConfig({ ...BASE, REDIS_URL: 'http://cache:6379' })).toThrow(/REDIS_URL: must be a redis:/);
    expect(loadConfig({ ...BASE, REDIS_URL: 'redis://cache:6379/2' }).redisUrl).toBe('redis://cache:6379/2');
  });
});
