import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';

const DIR = mkdtempSync(join(tmpdir(), 'pgw-metrics-config-'));
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

describe('METRICS_PORT and METRICS_HOST', () => {
  it('default to 9464 on loopback', () => {
    const c = loadConfig({ DATA_DIR: DIR });
    expect([c.metricsPort, c.metricsHost]).toEqual([9464, '127.0.0.1']);
  });

  it.each([
    ['0', 0],
    ['9100', 9100],
    ['off', null],
  ])('read METRICS_PORT=%s as %p', (value, port) => {
    expect(loadConfig({ DATA_DIR: DIR, METRICS_PORT: value }).metricsPort).toBe(port);
  });

  it.each(['70000', '-1', 'abc', '9464x', '1e3'])('refuse METRICS_PORT=%s naming the variable', (value) => {
    expect(() => loadConfig({ DATA_DIR: DIR, METRICS_PORT: value })).toThrow(ConfigError);
    expect(() => loadConfig({ DATA_DIR: DIR, METRICS_PORT: value })).toThrow(/METRICS_PORT: must be a port number/);
  });

  it('refuse an over-long METRICS_HOST', () => {
    expect(() => loadConfig({ DATA_DIR: DIR, METRICS_HOST: 'h'.repeat(300) })).toThrow(/METRICS_HOST/);
  });
});
