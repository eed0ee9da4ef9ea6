import type { DataSource } from 'typeorm';
import { Lease, LeaseService } from '../locks/lease.service';

/** The lease every retention purge (scheduled, API-less CLI) takes first. */
export const RETENTION_LEASE = 'retention';
const DEFAULT_TTL_MS = 30_000;

/**
 * Runs `work` only if no other gateway instance (or `npm run purge`) is running the retention
 * purge: the `retention` lease in the catalog, renewed while the work runs and free again if the
 * holder dies. (It replaced a GET_LOCK, which is per server and so not exclusive on Galera.)
 * Returns false, without running `work`, when someone else holds it. `work` gets the lease:
 * a purge stops at its next step once `lease.lost`, and the next run resumes it.
 */
export async function withRetentionLock(catalog: DataSource | LeaseService, work: (lease: Lease) => Promise<void>): Promise<boolean> {
  const leases = catalog instanceof LeaseService ? catalog : new LeaseService(catalog, DEFAULT_TTL_MS);
  return leases.withLease(RETENTION_LEASE, work);
}

/** `24h`, `30m`, `90s`, `500ms`, `7d`; `0` or `off` disables. */
export function parseInterval(text: string): number {
  if (/^(0|off)$/i.test(text.trim())) return 0;
  const m = /^(\d+)\s*(ms|s|m|h|d)$/i.exec(text.trim());
  if (!m) throw new Error('expected a duration such as 24h, 30m or 0');
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2].toLowerCase() as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}
