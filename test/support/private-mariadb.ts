import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';

export const MARIADBD = '/usr/sbin/mariadbd';

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export interface PrivateMariadb {
  port: number;
  url: string;
  /** The server's process ID while it runs (a bench reads its CPU time). */
  pid(): number | undefined;
  /** SIGKILL: the server vanishes mid-whatever, as in a crash. */
  kill(): void;
  /** SIGSTOP / SIGCONT: the server hangs without closing connections. */
  freeze(): void;
  thaw(): void;
  /** Starts it again on the same data folder and port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A MariaDB of the test's own, on a spare port with its own data folder, so a fault test can
 * kill and restart it without touching the machine's shared server.
 */
export async function startPrivateMariadb(extraArgs: string[] = []): Promise<PrivateMariadb> {
  const dir = mkdtempSync(join(tmpdir(), 'pgw-mariadb-'));
  const datadir = join(dir, 'data');
  execFileSync('mariadb-install-db', ['--no-defaults', `--datadir=${datadir}`, '--auth-root-authentication-method=normal', '--user=root', '--skip-test-db'], { stdio: 'ignore' });
  const port = await freePort();
  let child: ChildProcess | null = null;
  const start = async () => {
    child = spawn(MARIADBD, [
      '--no-defaults', `--datadir=${datadir}`, `--port=${port}`, '--bind-address=127.0.0.1', `--socket=${join(dir, 'mysqld.sock')}`,
      `--pid-file=${join(dir, 'mysqld.pid')}`, '--user=root', '--skip-log-bin', '--innodb-buffer-pool-size=32M',
      '--character-set-server=utf8mb4', '--collation-server=utf8mb4_bin', '--max-connections=200',
      // Later flags win: a bench asks for a larger buffer pool this way.
      ...extraArgs,
    ], { stdio: 'ignore' });
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        const c = await createConnection({ host: '127.0.0.1', port, user: 'root', connectTimeout: 1000 });
        await c.end();
        return;
      } catch (e) {
        if (Date.now() > deadline) throw new Error(`private MariaDB did not start: ${String(e)}`);
        await new Promise((r) => setTimeout(r, 150));
      }
    }
  };
  await start();
  const waitExit = () =>
    new Promise<void>((resolve) => {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return resolve();
      c.once('exit', () => resolve());
    });
  return {
    port,
    url: `mysql://root@127.0.0.1:${port}`,
    pid: () => (child as ChildProcess | null)?.pid,
    kill: () => {
      child?.kill('SIGKILL');
    },
    freeze: () => {
      child?.kill('SIGSTOP');
    },
    thaw: () => {
      child?.kill('SIGCONT');
    },
    restart: async () => {
      await waitExit();
      await start();
    },
    stop: async () => {
      child?.kill('SIGCONT');
      child?.kill('SIGKILL');
      await waitExit();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
