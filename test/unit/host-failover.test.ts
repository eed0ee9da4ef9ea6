import { createServer, Server } from 'node:net';
import { FailoverHosts, PROBE_MISSES_TO_DOWN } from '../../src/tenancy/host-failover';
import { createLogger } from '../../src/logging';

const hosts = [
  { host: '10.0.0.1', port: 3306 },
  { host: '10.0.0.2', port: 3306 },
  { host: '10.0.0.3', port: 3306 },
];
const picker = (h = hosts) => new FailoverHosts(h, { user: 'u', password: '' }, { probeIntervalMs: 1000, connectTimeoutMs: 1000 }, createLogger('silent'));
const addr = (p: FailoverHosts, i: number) => `${p.hosts[i].host}:${p.hosts[i].port}`;

describe('several hosts: the picker', () => {
  it('gives a store the same home node on every instance, whatever order its URL lists the nodes in', () => {
    const a = picker();
    const b = picker([hosts[2], hosts[0], hosts[1]]);
    for (const db of ['pgw_s_1', 'pgw_s_2', 'store_abc', 'x']) {
      expect(a.ring(db).map((i) => addr(a, i))).toEqual(b.ring(db).map((i) => addr(b, i)));
      expect(new Set(a.ring(db)).size).toBe(3);
    }
  });

  it('spreads stores over the nodes', () => {
    const a = picker();
    const homes = new Map<number, number>();
    for (let i = 0; i < 300; i++) {
      const h = a.ring(`store_${i}`)[0];
      homes.set(h, (homes.get(h) ?? 0) + 1);
    }
    expect([...homes.values()].every((n) => n > 60)).toBe(true);
  });

  it('prefers hosts in configuration order until a probe or a refused connection says otherwise', () => {
    expect(picker().pick()).toBe(0);
    expect(picker().pick([2, 0, 1])).toBe(2);
  });

  describe('with a host that refuses connections', () => {
    let server: Server;
    let livePort = 0;
    let deadPort = 0;
    beforeAll(async () => {
      const dead = createServer();
      await new Promise<void>((r) => dead.listen(0, '127.0.0.1', () => r()));
      deadPort = (dead.address() as { port: number }).port;
      await new Promise<void>((r) => dead.close(() => r()));
      server = createServer((s) => s.end());
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      livePort = (server.address() as { port: number }).port;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    it('marks it down at the first refusal, so the next connection goes to the next host', async () => {
      const p = picker([{ host: '127.0.0.1', port: deadPort }, { host: '127.0.0.1', port: livePort }]);
      const first = p.connect();
      await new Promise<void>((r) => first.once('error', () => r()));
      expect(p.states()).toEqual(['down', 'up']);
      const second = p.connect();
      await new Promise<void>((r) => second.once('connect', () => r()));
      expect(second.remotePort).toBe(livePort);
      second.destroy();
    });

    it('marks it down at the first probe that is refused', async () => {
      const p = picker([{ host: '127.0.0.1', port: deadPort }, { host: '127.0.0.1', port: livePort }]);
      await p.probe();
      expect(p.states()[0]).toBe('down');
    });
  });

  describe('with a host that accepts connections but does not answer in time (a busy machine)', () => {
    let silent: Server;
    let port = 0;
    const held = new Set<import('node:net').Socket>();
    beforeAll(async () => {
      silent = createServer((s) => void held.add(s));
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
      port = (silent.address() as { port: number }).port;
    });
    afterAll(() => {
      for (const s of held) s.destroy();
      return new Promise<void>((r) => silent.close(() => r()));
    });

    it(`keeps it up, and its connections open, until ${PROBE_MISSES_TO_DOWN} probes in a row got no answer`, async () => {
      const p = new FailoverHosts([{ host: '127.0.0.1', port }, hosts[1]], { user: 'u', password: '' }, { probeIntervalMs: 100, connectTimeoutMs: 200 }, createLogger('silent'));
      const open = p.connect();
      await new Promise<void>((r) => open.once('connect', () => r()));
      for (let miss = 1; miss < PROBE_MISSES_TO_DOWN; miss++) {
        await p.probe();
        expect(p.states()[0]).toBe('up');
      }
      expect(open.destroyed).toBe(false);
      await p.probe();
      expect(p.states()[0]).toBe('down');
      expect(open.destroyed).toBe(true);
    });
  });
});
