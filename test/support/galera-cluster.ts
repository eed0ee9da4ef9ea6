import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { freePort, MARIADBD } from './private-mariadb';

export const GALERA_PROVIDER = '/usr/lib/galera/libgalera_smm.so';

/** Why a Galera cluster cannot be started here, or null when it can. */
export function galeraMissing(): string | null {
  if (!existsSync(GALERA_PROVIDER)) return `no Galera provider at ${GALERA_PROVIDER} (Debian package galera-4)`;
  if (!existsSync(MARIADBD)) return `no ${MARIADBD}`;
  for (const tool of ['mariadb-install-db', 'rsync', 'wsrep_sst_rsync']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      return `${tool} is not installed`;
    }
  }
  try {
    execFileSync('id', ['mysql'], { stdio: 'ignore' });
  } catch {
    return 'no mysql system user (the nodes run as mysql: rsync state transfer fails as root)';
  }
  return null;
}


export interface GaleraNode {
  index: number;
  port: number;
  /** `127.0.0.1:<port>` */
  address: string;
  running(): boolean;
  /** SIGKILL: the node vanishes mid-whatever. */
  kill(): Promise<void>;
  /** Starts it again on its data folder: it rejoins the cluster (IST or SST). */
  start(): Promise<void>;
  /** Its error log (for a failing test's message). */
  log(): string;
}

export interface GaleraCluster {
  nodes: GaleraNode[];
  /** `mysql://root@n1,n2,n3/<db>` in the order given (indexes into `nodes`). */
  url(database: string, order?: number[]): string;
  /** Waits until every running node is Synced in a primary component of `size` members. */
  waitSynced(size: number, timeoutMs?: number): Promise<void>;
  /** A statement on one node, as root. */
  query<T>(node: number, sql: string, params?: unknown[]): Promise<T[]>;
  stop(): Promise<void>;
}

/**
 * A 3-node MariaDB Galera cluster of the test's own: private `mariadbd` processes on spare
 * ports, data folders under the temporary directory owned by mysql (rsync state transfer fails
 * as root), the first node bootstrapping the cluster. Failure detection is tuned down (2 s
 * suspect timeout instead of 5 s) so a killed node is evicted quickly; `stop` kills every node
 * by its process ID and removes the data folders. Nothing outlives the run: the nodes are killed
 * when the test process exits however it exits, and what a run killed outright (SIGKILL) left —
 * nodes whose owning process is gone, their folders — is removed by the next start.
 */
export async function startGaleraCluster(size = 3): Promise<GaleraCluster> {
  sweepAbandoned();
  const root = mkdtempSync(join(tmpdir(), 'pgw-galera-'));
  execFileSync('chmod', ['755', root]);
  writeFileSync(join(root, OWNER_FILE), String(process.pid));
  const name = `pgw_${root.slice(-6).replace(/[^A-Za-z0-9]/g, 'x')}`;
  const ports = await Promise.all(Array.from({ length: size }, async () => ({ sql: await freePort(), gcomm: await freePort(), ist: await freePort(), sst: await freePort() })));
  const gcomm = `gcomm://${ports.map((p) => `127.0.0.1:${p.gcomm}`).join(',')}`;
  const children: (ChildProcess | null)[] = ports.map(() => null);
  const dirs = ports.map((_, i) => join(root, `node${i + 1}`));
  try {
    for (const dir of dirs) {
      execFileSync('mkdir', ['-p', dir]);
      execFileSync('chown', ['mysql:mysql', dir]);
      // The first node's data is what the others receive by state transfer; they still need a datadir of their own.
      installDb(join(dir, 'data'));
      execFileSync('chown', ['-R', 'mysql:mysql', dir]);
    }
  } catch (e) {
    rmSync(root, { recursive: true, force: true });
    throw e;
  }

  const args = (i: number, bootstrap: boolean) => {
    const p = ports[i];
    const dir = dirs[i];
    return [
      '--no-defaults', `--datadir=${join(dir, 'data')}`, `--port=${p.sql}`, '--bind-address=127.0.0.1', `--socket=${join(dir, 'mysqld.sock')}`,
      `--pid-file=${join(dir, 'mysqld.pid')}`, `--log-error=${join(dir, 'error.log')}`, '--user=mysql', '--innodb-buffer-pool-size=64M',
      '--character-set-server=utf8mb4', '--collation-server=utf8mb4_bin', '--max-connections=400',
      '--wsrep-on=ON', `--wsrep-provider=${GALERA_PROVIDER}`, `--wsrep-cluster-name=${name}`, `--wsrep-node-name=node${i + 1}`,
      `--wsrep-node-address=127.0.0.1:${p.gcomm}`,
      `--wsrep-provider-options=gmcast.listen_addr=tcp://127.0.0.1:${p.gcomm};ist.recv_addr=127.0.0.1:${p.ist};gcache.size=128M;evs.suspect_timeout=PT2S;evs.inactive_timeout=PT4S;evs.install_timeout=PT4S;evs.keepalive_period=PT0.5S;evs.inactive_check_period=PT0.5S;evs.join_retrans_period=PT0.5S`,
      `--wsrep-sst-receive-address=127.0.0.1:${p.sst}`, `--wsrep-cluster-address=${gcomm}`,
      '--wsrep-sst-method=rsync', '--binlog-format=ROW', '--innodb-autoinc-lock-mode=2', '--default-storage-engine=InnoDB',
      '--innodb-flush-log-at-trx-commit=2', '--wsrep-slave-threads=2',
      // Causal reads: a read waits until its node has applied every write acknowledged before it
      // on any node (what the README asks of a production cluster too).
      '--wsrep-sync-wait=1',
      ...(bootstrap ? ['--wsrep-new-cluster'] : []),
    ];
  };

  const query = async <T>(node: number, sql: string, params: unknown[] = []): Promise<T[]> => {
    const c = await createConnection({ host: '127.0.0.1', port: ports[node].sql, user: 'root', connectTimeout: 2000 });
    try {
      const [rows] = await c.query(sql, params);
      return rows as T[];
    } finally {
      await c.end().catch(() => undefined);
    }
  };

  const status = async (node: number): Promise<Map<string, string>> => {
    const rows = await query<{ Variable_name: string; Value: string }>(node, "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_cluster_size','wsrep_local_state','wsrep_ready','wsrep_cluster_status')");
    return new Map(rows.map((r) => [r.Variable_name.toLowerCase(), String(r.Value)]));
  };

  const waitNode = async (i: number, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const s = await status(i);
        if (s.get('wsrep_local_state') === '4' && s.get('wsrep_ready') === 'ON') return;
      } catch {
        // not answering yet
      }
      const child = children[i];
      if (!child || child.exitCode !== null || child.signalCode !== null) throw new Error(`galera node${i + 1} exited: ${tail(join(dirs[i], 'error.log'))}`);
      if (Date.now() > deadline) throw new Error(`galera node${i + 1} did not sync within ${timeoutMs} ms: ${tail(join(dirs[i], 'error.log'))}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  // The test process ending any way but SIGKILL (a failed beforeAll, jest's forced exit) takes the nodes with it.
  const killAll = () => {
    for (const c of children) if (c && c.exitCode === null && c.signalCode === null) killGroup(c);
  };
  process.once('exit', killAll);

  const spawnNode = (i: number, bootstrap: boolean) => {
    // Its own process group: killing a node kills its state-transfer helpers (rsync) with it.
    const child = spawn(MARIADBD, args(i, bootstrap), { stdio: 'ignore', detached: true });
    children[i] = child;
  };

  const waitExit = (i: number) =>
    new Promise<void>((resolve) => {
      const c = children[i];
      if (!c || c.exitCode !== null || c.signalCode !== null) return resolve();
      c.once('exit', () => resolve());
    });

  const cluster: GaleraCluster = {
    nodes: ports.map((p, i) => ({
      index: i,
      port: p.sql,
      address: `127.0.0.1:${p.sql}`,
      running: () => {
        const c = children[i];
        return !!c && c.exitCode === null && c.signalCode === null;
      },
      kill: async () => {
        const c = children[i];
        if (c) killGroup(c);
        await waitExit(i);
      },
      start: async () => {
        await waitExit(i);
        spawnNode(i, false);
        await waitNode(i, 90_000);
      },
      log: () => tail(join(dirs[i], 'error.log')),
    })),
    url: (database, order = ports.map((_, i) => i)) => `mysql://root@${order.map((i) => `127.0.0.1:${ports[i].sql}`).join(',')}/${database}`,
    waitSynced: async (n, timeoutMs = 60_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const running = children.map((_, i) => i).filter((i) => cluster.nodes[i].running());
        const states = await Promise.all(running.map((i) => status(i).catch(() => new Map<string, string>())));
        if (states.length === n && states.every((s) => s.get('wsrep_cluster_size') === String(n) && s.get('wsrep_local_state') === '4' && s.get('wsrep_cluster_status') === 'Primary')) return;
        if (Date.now() > deadline) throw new Error(`the cluster did not settle at ${n} synced nodes: ${JSON.stringify(states.map((s) => Object.fromEntries(s)))}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    query,
    stop: async () => {
      for (let i = 0; i < children.length; i++) {
        const c = children[i];
        if (c) killGroup(c);
        await waitExit(i);
      }
      process.removeListener('exit', killAll);
      rmSync(root, { recursive: true, force: true });
    },
  };

  try {
    spawnNode(0, true);
    await waitNode(0, 30_000);
    // The joiners take their state from node 1 one after the other (rsync blocks its donor).
    for (let i = 1; i < size; i++) {
      spawnNode(i, false);
      await waitNode(i, 60_000);
    }
    await cluster.waitSynced(size);
  } catch (e) {
    await cluster.stop();
    throw e;
  }
  return cluster;
}

const OWNER_FILE = 'owner.pid';

/**
 * Kills the nodes of clusters whose test process is gone (it was SIGKILLed: no exit handler ran)
 * and removes their folders. A cluster whose owner still runs (another run beside this one) is
 * left alone.
 */
export function sweepAbandoned(): void {
  const base = tmpdir();
  for (const name of readdirSync(base)) {
    if (!name.startsWith('pgw-galera-')) continue;
    const dir = join(base, name);
    let owner = 0;
    try {
      owner = Number(readFileSync(join(dir, OWNER_FILE), 'utf8'));
    } catch {
      // a folder from before owner files, or one being created right now: judged by its age below
    }
    if (owner ? alive(owner) : Date.now() - statMtime(dir) < 600_000) continue;
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      try {
        // The nodes and their state-transfer helpers (rsync): whatever names a file in the folder.
        if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`${dir}/`)) process.kill(Number(pid), 'SIGKILL');
      } catch {
        // gone meanwhile, or not ours to read
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/** SIGKILL to a node's process group (the node and the helpers it started); the node alone if that fails. */
function killGroup(c: ChildProcess): void {
  try {
    if (c.pid) process.kill(-c.pid, 'SIGKILL');
  } catch {
    c.kill('SIGKILL');
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function statMtime(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/** mariadb-install-db, tried again once: on a busy machine its bootstrap server now and then fails. */
function installDb(datadir: string): void {
  for (let attempt = 1; ; attempt++) {
    try {
      execFileSync('mariadb-install-db', ['--no-defaults', `--datadir=${datadir}`, '--auth-root-authentication-method=normal', '--user=mysql', '--skip-test-db'], { stdio: 'pipe' });
      return;
    } catch (e) {
      if (attempt >= 3) throw new Error(`mariadb-install-db failed: ${String((e as { stderr?: Buffer }).stderr ?? e).slice(-800)}`);
      rmSync(datadir, { recursive: true, force: true });
    }
  }
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}
