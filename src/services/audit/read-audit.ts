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

  /** A personal record (e.g. `customer:<id>`) was returned; `subjectHash` names its person if known. */
  read(storeId: string, record: string, subjectHash?: string): void {
    if (!this.records.has(storeId)) this.records.set(storeId, new Set());
    this.records.get(storeId)!.add(record);
    if (subjectHash) {
      if (!this.subjects.has(storeId)) this.subjects.set(storeId, new Set());
      this.subjects.get(storeId)!.add(subjectHash);
    }
  }

  cover(storeId: string): void {
    this.covered.add(storeId);
  }

  entries(operation: string): AuditRecord[] {
    return [...this.records]
      .filter(([storeId]) => !this.covered.has(storeId))
      .map(([storeId, recs]) => {
        const subjects = this.subjects.get(storeId);
        return {
          operation,
          storeId,
          // One person's profile: name them (by hash). A list of many: the count says enough.
          subjectHash: subjects?.size === 1 ? [...subjects][0] : null,
          records: recs.size,
        };
      });
  }
}
