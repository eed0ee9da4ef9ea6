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
