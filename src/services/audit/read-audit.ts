import type { AuditRecord } from './audit.service';

/**
 * Collects, during one request, which personal records were returned, per store. The request's
 * end turns them into one audit entry per store (see the audit plugin). Privacy operations that
 * audit themselves mark their stores as covered, so they are not counted twice.
 */
export class ReadAudit {
  private readonly records = new Map<string, Set<string>>();
  private readonly subjects = new Map<string, Set<string>>();
  private readonly covered = new Set<string>();
  /** Stores where the caller looked a person up by e-mail, whether or not it matched. */
  private readonly lookups = new Map<string, string>();

  /** A personal record (e.g. `customer:<id>`) was returned; `subjectHash` names its person if known. */
  read(storeId: string, record: string, subjectHash?: string): void {
    if (!this.records.has(storeId)) this.records.set(storeId, new Set());
    this.records.get(storeId)!.add(record);
    if (subjectHash) {
      if (!this.subjects.has(storeId)) this.subjects.set(storeId, new Set());
      this.subjects.get(storeId)!.add(subjectHash);
    }
  }

  /**
   * The caller asked whether an e-mail address belongs to a customer of this store. The answer
   * is personal data either way, so the request is audited even when nothing personal is
   * returned: a match as the customer's read (see `read`), a miss as an entry with no records
   * that names the e-mail by its keyed hash, so probing shows in the trail.
   */
  lookedUpByEmail(storeId: string, emailHash: string): void {
    if (!this.lookups.has(storeId)) this.lookups.set(storeId, emailHash);
  }

  cover(storeId: string): void {
    this.covered.add(storeId);
  }

  entries(operation: string): AuditRecord[] {
    const misses: AuditRecord[] = [...this.lookups]
      .filter(([storeId]) => !this.records.has(storeId) && !this.covered.has(storeId))
      .map(([storeId, emailHash]) => ({ operation, storeId, subjectHash: emailHash, records: 0 }));
    return [...this.records]
      .filter(([storeId]) => !this.covered.has(storeId))
      .map(([storeId, recs]): AuditRecord => {
        const subjects = this.subjects.get(storeId);
        return {
          operation,
          storeId,
          // One person's profile: name them (by hash). A list of many: the count says enough.
          subjectHash: subjects?.size === 1 ? [...subjects][0] : null,
          records: recs.size,
        };
      })
      .concat(misses);
  }
}
