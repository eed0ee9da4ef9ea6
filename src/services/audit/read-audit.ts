import type { AuditRecord } from './audit.service';
import type { SubjectHasher } from '../subject/subject-hasher';

/** The identifiers a returned record names its person by (any may be missing). */
export interface ReadSubject {
  customerId?: string | null;
  email?: string | null;
  visitorId?: string | null;
}

interface StoreReads {
  records: Set<string>;
  customerIds: Set<string>;
  /** Customers read, with their e-mail where the record carried it (the keys of their profile links). */
  customers: Map<string, string | null>;
  emails: Set<string>;
  visitorIds: Set<string>;
}

/**
 * Collects, during one request, which personal records were returned, per store, and the
 * identifiers of the people they belong to. The request's end turns them into one audit entry
 * per store (see the audit plugin), which carries the keyed hash of every one of those
 * identifiers, so `auditLog(subject:)` finds the read by any of them. Privacy operations that
 * audit themselves mark their stores as covered, so they are not counted twice.
 */
export class ReadAudit {
  private readonly stores = new Map<string, StoreReads>();
  private readonly covered = new Set<string>();
  /** Stores where the caller looked a person up by e-mail, whether or not it matched. */
  private readonly lookups = new Map<string, string>();

  /** A personal record (e.g. `customer:<id>`) was returned; `subject` names its person as far as known. */
  read(storeId: string, record: string, subject: ReadSubject = {}): void {
    let s = this.stores.get(storeId);
    if (!s) {
      s = { records: new Set(), customerIds: new Set(), customers: new Map(), emails: new Set(), visitorIds: new Set() };
      this.stores.set(storeId, s);
    }
    s.records.add(record);
    if (subject.customerId) {
      s.customerIds.add(subject.customerId);
      s.customers.set(subject.customerId, s.customers.get(subject.customerId) ?? subject.email ?? null);
    }
    if (subject.email) s.emails.add(subject.email);
    if (subject.visitorId) s.visitorIds.add(subject.visitorId);
  }

  /** Further identifiers of people already read (e.g. a customer's visitor IDs), without a record of their own. */
  addIdentifiers(storeId: string, subject: ReadSubject): void {
    const s = this.stores.get(storeId);
    if (!s) return;
    if (subject.customerId) s.customerIds.add(subject.customerId);
    if (subject.email) s.emails.add(subject.email);
    if (subject.visitorId) s.visitorIds.add(subject.visitorId);
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

  /** Customers read per store (not covered), so their further identifiers can be looked up. */
  customersRead(): Map<string, { id: string; email: string | null }[]> {
    const out = new Map<string, { id: string; email: string | null }[]>();
    for (const [storeId, s] of this.stores) {
      if (!this.covered.has(storeId) && s.customers.size) out.set(storeId, [...s.customers].map(([id, email]) => ({ id, email })));
    }
    return out;
  }

  entries(operation: string, hasher: SubjectHasher): AuditRecord[] {
    const misses: AuditRecord[] = [...this.lookups]
      .filter(([storeId]) => !this.stores.has(storeId) && !this.covered.has(storeId))
      .map(([storeId, emailHash]) => ({ operation, storeId, subjectHash: emailHash, records: 0 }));
    return [...this.stores]
      .filter(([storeId]) => !this.covered.has(storeId))
      .map(([storeId, s]): AuditRecord => ({
        operation,
        storeId,
        // One person's profile: name them (by hash). A list of many: the count says enough here,
        // and every one of them is among the subjects.
        subjectHash: s.customerIds.size === 1 ? hasher.hash(storeId, 'customer', [...s.customerIds][0]) : null,
        records: s.records.size,
        subjects: { emails: [...s.emails], customerIds: [...s.customerIds], visitorIds: [...s.visitorIds] },
      }))
      .concat(misses);
  }
}
