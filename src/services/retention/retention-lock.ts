import type { DataSource } from 'typeorm';

const LOCK_NAME = 'pgw_retention';
let embeddedHeld = false;

/**
 * Runs `work` only if no other gateway instance is running the retention purge. On MySQL that
 * is a server-wide named lock (GET_LOCK) held on one catalog connection for the whole run,
 * released if the holder dies; embedded SQLite has one process, so a flag suffices.
 * Returns false, without running `work`, when someone else holds the lock.
 */
export async function withRetentionLock(catalog: DataSource, work: () => Promise<void>): Promise<boolean> {
  if (catalog.driver.options.type === 'better-sqlite3') {
    if (embeddedHeld) return false;
    embeddedHeld = true;
    try {
      await work();
      return true;
    } finally {
      embeddedHeld = false;
    }
  }
  const runner = catalog.createQueryRunner();
  try {
    const [{ got }] = await runner.query(`SELECT GET_LOCK('${LOCK_NAME}', 0) AS got`);
    if (Number(got) !== 1) return false;
    try {
      await work();
      return true;
    } finally {
      await runner.query(`SELECT RELEASE_LOCK('${LOCK_NAME}')`);
    }
  } finally {
    await runner.release();
  }
}

/** `24h`, `30m`, `90s`, `500ms`, `7d`; `0` or `off` disables. */
export function parseInterval(text: string): number {
  if (/^(0|off)$/i.test(text.trim())) return 0;
  const m = /^(\d+)\s*(ms|s|m|h|d)$/i.exec(text.trim());
  if (!m) throw new Error('expected a duration such as 24h, 30m or 0');
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2].toLowerCase() as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}
