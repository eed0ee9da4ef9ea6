import { createHash } from 'node:crypto';
import { connect as netConnect, Socket } from 'node:net';
import { createConnection } from 'mysql2/promise';
import type { Config, EndpointPicker, MysqlEndpoint, MysqlServer } from '../config';
import type { Logger } from '../logging';

/** What a probe found out about one host. */
export type HostState = 'up' | 'down' | 'not-synced';

/**
 * A probe that got no verdict (it timed out, or the connection dropped) is a miss, not a
 * verdict: a busy machine or a stalled event loop makes a healthy node miss one now and then,
 * and marking it down closes every connection to it, failing the transactions running there.
 * A host counts as down after this many misses in a row; a refusal or a node out of the
 * primary component is a verdict and counts at once.
 */
export const PROBE_MISSES_TO_DOWN = 3;

/**
 * Several hosts for one server (`mysql://u:p@h1:3306,h2:3306,h3:3306/db`): the nodes of a
 * MariaDB Galera cluster. A new connection goes to the first host that answers and is a Synced
 * member of the primary component: in configuration order for the catalog and administrator
 * connections, round the store's ring (its home node first, see `ring`) for a store's pool. The
 * pools (mysql2's `stream` factory) and the administrator connections ask here for their socket.
 *
 * - A host that refuses a connection is marked down at once, so the next connection tries the
 *   next host without waiting for a probe.
 * - A probe every `DB_PROBE_INTERVAL` connects to each host and reads `wsrep_ready` and
 *   `wsrep_local_state` (a server without Galera has neither and counts as up). A node that
 *   left the primary component (it answers "WSREP has not yet prepared node for application
 *   use", errno 1047) or is not Synced (a joiner, or a donor blocked by rsync) takes no new
 *   connections; when it is down or out of the primary component its open connections are
 *   closed, so the pools drop them and reconnect elsewhere instead of failing request after
 *   request. A probe that merely gets no answer in time is a miss: only `PROBE_MISSES_TO_DOWN`
 *   in a row mark the host down (a loaded machine must not close healthy connections).
 * - When the first host is healthy again, new connections go back to it.
 */
export class FailoverHosts implements EndpointPicker {
  private readonly state: HostState[];
  private readonly sockets: Set<Socket>[];
  /** Probes in a row without a verdict, per host. */
  private readonly misses: number[];
  private timer: NodeJS.Timeout | null = null;
  private probing = false;
  /** Per order of preference, the host its last connection went to (to log a failover once). */
  private readonly last = new Map<string, number>();
  private readonly configured: number[];

  constructor(
    readonly hosts: MysqlEndpoint[],
    private readonly credentials: { user: string; password: string },
    private readonly opts: { probeIntervalMs: number; connectTimeoutMs: number },
    private readonly log: Logger,
  ) {
    // Until the first probe, every host is presumed up: the first start is not delayed.
    this.state = hosts.map(() => 'up');
    this.sockets = hosts.map(() => new Set());
    this.misses = hosts.map(() => 0);
    this.configured = hosts.map((_, i) => i);
  }

  /** The host a new connection goes to: the first up in `order`, else the first not known to be down. */
  pick(order: number[] = this.configured): number {
    const up = order.find((i) => this.state[i] === 'up');
    if (up !== undefined) return up;
    return order.find((i) => this.state[i] !== 'down') ?? order[0];
  }

  /**
   * The ring a route (a store's database) goes round: the hosts sorted by address, starting at
   * a hash of the route. Every gateway instance computes the same ring whatever order its
   * connection string lists the hosts in, so a store's writes go through one node at a time.
   */
  ring(route: string): number[] {
    const sorted = this.configured.slice().sort((x, y) => this.describe(x).localeCompare(this.describe(y)));
    const start = createHash('sha256').update(route).digest().readUInt32BE(0) % sorted.length;
    return [...sorted.slice(start), ...sorted.slice(0, start)];
  }

  /** A socket factory for one route (a store): its home node first, then round the ring. */
  routed(route: string): () => Socket {
    const order = this.ring(route);
    return () => this.open(order);
  }

  states(): HostState[] {
    return [...this.state];
  }

  /** A socket to the first healthy host in configuration order (the catalog, administrator connections). */
  connect = (): Socket => this.open(this.configured);

  private open(order: number[]): Socket {
    const i = this.pick(order);
    const key = order.join(',');
    const before = this.last.get(key) ?? order[0];
    if (i !== before) this.log.warn({ from: this.describe(before), to: this.describe(i) }, i === order[0] ? 'database connections go back to the first host' : 'database connections fail over to another host');
    this.last.set(key, i);
    const { host, port } = this.hosts[i];
    const socket = netConnect(port, host);
    socket.setNoDelay(true);
    let connected = false;
    socket.once('connect', () => {
      connected = true;
      socket.setKeepAlive(true, 10_000);
    });
    socket.once('error', () => {
      // Refused or unreachable: the next connection goes to the next host at once.
      if (!connected) this.mark(i, 'down');
    });
    this.sockets[i].add(socket);
    socket.once('close', () => this.sockets[i].delete(socket));
    return socket;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.probe(), this.opts.probeIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Checks every host once (the interval calls it; tests may too). */
  async probe(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    try {
      const verdicts = await Promise.all(this.hosts.map((h) => this.probeOne(h)));
      verdicts.forEach((v, i) => {
        if (v !== 'no-answer') {
          this.misses[i] = 0;
          this.mark(i, v);
        } else if (++this.misses[i] >= PROBE_MISSES_TO_DOWN) {
          this.mark(i, 'down');
        }
      });
    } finally {
      this.probing = false;
    }
  }

  /**
   * One host's state, or 'no-answer' when the probe timed out or lost its connection. Every step
   * is bounded (connect and statement), so a hung host cannot stop the probing.
   */
  private async probeOne(h: MysqlEndpoint): Promise<HostState | 'no-answer'> {
    const timeout = Math.min(this.opts.connectTimeoutMs, Math.max(1000, this.opts.probeIntervalMs * 2));
    let c: Awaited<ReturnType<typeof createConnection>> | undefined;
    try {
      c = await createConnection({ host: h.host, port: h.port, user: this.credentials.user, password: this.credentials.password, connectTimeout: timeout });
      const [rows] = await c.query({ sql: "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_ready', 'wsrep_local_state')", timeout });
      const status = new Map((rows as { Variable_name: string; Value: string }[]).map((r) => [r.Variable_name.toLowerCase(), String(r.Value)]));
      void c.end().catch(() => undefined);
      c = undefined;
      if (!status.has('wsrep_ready')) return 'up'; // not a Galera node
      if (status.get('wsrep_ready') !== 'ON') return 'down'; // out of the primary component: refuses queries (1047)
      return status.get('wsrep_local_state') === '4' ? 'up' : 'not-synced';
    } catch (err) {
      const e = err as { code?: string; errno?: number };
      // Refused (nothing listens: the node is gone), or the node says it is not serving: verdicts.
      if (e.code === 'ECONNREFUSED' || e.errno === 1047) return 'down';
      return 'no-answer';
    } finally {
      // A statement that timed out still occupies its connection: dropped, not ended politely.
      c?.destroy();
    }
  }

  private mark(i: number, s: HostState): void {
    const before = this.state[i];
    if (before === s) return;
    this.state[i] = s;
    this.log.warn({ host: this.describe(i), from: before, to: s }, 'database host changed state');
    if (s === 'down') {
      // Its connections are dead or refuse every query: closing them makes the pools drop them.
      for (const socket of this.sockets[i]) socket.destroy();
    }
  }

  private describe(i: number): string {
    return `${this.hosts[i].host}:${this.hosts[i].port}`;
  }
}

/**
 * Gives every configured server that lists several hosts its picker (shared by the catalog's
 * pool, the store pools and the administrator connections of this gateway) and starts probing.
 * Returns the config to use and a function that stops the probes.
 */
export function attachFailover(config: Config, log: Logger): { config: Config; stop: () => void } {
  const pickers = new Map<string, FailoverHosts>();
  const withPicker = <S extends MysqlServer>(s: S): S => {
    if (s.hosts.length < 2) return s;
    const key = `${s.user}@${s.hosts.map((h) => `${h.host}:${h.port}`).join(',')}`;
    let picker = pickers.get(key);
    if (!picker) {
      picker = new FailoverHosts(s.hosts, { user: s.user, password: s.password }, { probeIntervalMs: config.dbProbeIntervalMs, connectTimeoutMs: config.dbConnectTimeoutMs }, log);
      picker.start();
      pickers.set(key, picker);
    }
    return { ...s, failover: picker };
  };
  if (!config.mysql) return { config, stop: () => undefined };
  const mysql = withPicker(config.mysql);
  const storeServers = Object.fromEntries(Object.entries(config.storeServers).map(([name, s]) => [name, withPicker(s)]));
  return {
    config: { ...config, mysql, storeServers },
    stop: () => {
      for (const p of pickers.values()) p.stop();
    },
  };
}

/** mysql2 connection options that route through a server's picker when it has one. */
export function endpointOptions(server: MysqlServer, route?: string): { host: string; port: number; stream?: () => Socket } {
  if (!server.failover) return { host: server.host, port: server.port };
  return { host: server.host, port: server.port, stream: route ? server.failover.routed(route) : server.failover.connect };
}
