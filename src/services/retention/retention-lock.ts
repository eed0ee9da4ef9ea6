import type { Lease, LeaseService } from '../locks/lease.service';

/** The lease every retention purge (scheduled, API-less CLI) takes first. */
export const RETENTION_LEASE = 'retention';

/**
 * Runs `work` only if no other gateway instance (or `npm run purge`) is running the retention
 * purge: the `retention` lease in the catalog, renewed while the work runs and free again if the
 * holder dies. (It replaced a GET_LOCK, which is per server and so not exclusive on Galera.)
 * Returns false, without running `work`, when someone else holds it. `work` gets the lease:
 * a purge stops at its next step once `lease.lost`, and the next run resumes it.
 */
export async function withRetentionLock(leases: LeaseService, work: (lease: Lease) => Promise<void>): Promise<boolean> {
  return leases.withLease(RETENTION_LEASE, work);
}
