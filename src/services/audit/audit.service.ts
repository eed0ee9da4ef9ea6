import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { Tenancy } from '../../tenancy/tenancy';
import { AuditEntryEntity, AuditSubjectEntity } from '../../entities/catalog';
import type { SubjectKind } from '../../entities/catalog/suppression.entity';
import type { Principal } from '../../auth/principal';
import type { SubjectHasher } from '../subject/subject-hasher';
import { EntryBatch } from './entry-batch';

export interface AuditContext {
  principal: Principal | null;
  requestId?: string;
}

export interface AuditRecord {
  operation: string;
  storeId?: string | null;
  companyId?: string | null;
  subjectHash?: string | null;
  records?: number;
  /** Every identifier of the person (or people) the entry is about, in clear: hashed here, never stored as given. */
  subjects?: { emails: string[]; customerIds: string[]; visitorIds: string[] };
  /** What changed, without personal data (names of settings, a stated reason). */
  detail?: string | null;
  /** Further subjects already as keyed hashes of this entry's store (e.g. the suppression entries lifted). */
  subjectHashes?: string[];
}

const KINDS: [SubjectKind, 'emails' | 'customerIds' | 'visitorIds'][] = [
  ['email', 'emails'],
  ['customer', 'customerIds'],
  ['visitor', 'visitorIds'],
];
/**
 * Rows per INSERT of subject hashes: well under SQLite's and MySQL's placeholder limits; also the
 * most hashes an entry carries inline (500 x 67 characters fit the TEXT column's 64 KiB).
 */
const SUBJECT_CHUNK = 500;
export const MAX_DETAIL_LENGTH = 600;
/** The columns record() writes (every one but the generated id). */
const ENTRY_COLUMNS = ['entryKey', 'at', 'apiKeyId', 'companyId', 'operation', 'storeId', 'subjectHash', 'records', 'requestId', 'detail', 'subjectList'] as const;

/** Appends to the audit trail. There is no update or delete: entries are evidence. */
export class AuditService {
  /** Built before any request, and writing for callers and for unauthenticated system work alike. */
  private readonly catalog: EntityManager;
  /** Concurrent requests' entries share an INSERT (see EntryBatch). */
  private readonly entries: EntryBatch<Partial<AuditEntryEntity>>;

  constructor(
    tenancy: Pick<Tenancy, 'systemCatalog'>,
    private readonly hasher: SubjectHasher,
  ) {
    this.catalog = tenancy.systemCatalog();
    this.entries = new EntryBatch((rows) => this.insertEntries(rows));
  }

  /**
   * Each entry gets a key chosen here. Its subjects' keyed hashes usually travel in the entry's
   * own INSERT (`subjectList`, moved into audit_subjects by a trigger within that statement, so
   * the entry is never visible without its subjects), and entries of concurrent requests share
   * that INSERT (EntryBatch): under load, less than one statement per request. An entry with
   * more than SUBJECT_CHUNK hashes (a bounded column) has them written to audit_subjects first,
   * in chunks, as before. Resolves once the entries are committed; no generated ID is read back.
   */
  async record(ctx: AuditContext, entries: AuditRecord[]): Promise<void> {
    if (entries.length === 0) return;
    const at = new Date();
    const hashes = entries.map((e) => this.subjectHashes(e));
    const inline = (i: number) => hashes[i].length > 0 && hashes[i].length <= SUBJECT_CHUNK;
    const rows = entries.map((e, i) => ({
      entryKey: randomUUID(),
      at,
      apiKeyId: ctx.principal?.apiKeyId ?? 'system',
      companyId: e.companyId ?? ctx.principal?.companyId ?? null,
      operation: e.operation,
      storeId: e.storeId ?? null,
      subjectHash: e.subjectHash ?? null,
      records: e.records ?? 0,
      requestId: ctx.requestId ?? null,
      detail: e.detail ? e.detail.slice(0, MAX_DETAIL_LENGTH) : null,
      subjectList: inline(i) ? JSON.stringify(hashes[i]) : null,
    }));
    const separate = rows.flatMap((row, i) => (inline(i) ? [] : hashes[i].map((hash) => ({ hash, entryKey: row.entryKey }))));
    for (let i = 0; i < separate.length; i += SUBJECT_CHUNK) {
      await this.catalog.getRepository(AuditSubjectEntity).createQueryBuilder().insert().values(separate.slice(i, i + SUBJECT_CHUNK)).updateEntity(false).execute();
    }
    await this.entries.write(rows, hashes.reduce((n, h, i) => n + (inline(i) ? h.length : 0), 0));
  }

  /** INSERT statement text by row count (the hot path writes 1 to a few rows per statement). */
  private readonly insertText = new Map<number, string>();

  /**
   * One multi-row INSERT of audit entries. The statement's text is built once per row count from
   * the entity's metadata (table and column names as the migrations made them) and each value
   * goes through the driver's preparePersistentValue, as the insert query builder would do; what
   * is skipped is the query builder's per-call SQL building and entity bookkeeping (in-process
   * measurement, bench/PROFILE.md round three). No listener or subscriber is declared on audit
   * entries, so none is skipped.
   */
  private insertEntries(rows: Partial<AuditEntryEntity>[]): Promise<unknown> {
    const { connection } = this.catalog;
    const meta = connection.getMetadata(AuditEntryEntity);
    const columns = ENTRY_COLUMNS.map((p) => meta.findColumnWithPropertyName(p)!);
    let sql = this.insertText.get(rows.length);
    if (!sql) {
      const q = (n: string) => connection.driver.escape(n);
      const tuple = `(${columns.map(() => '?').join(', ')})`;
      sql = `INSERT INTO ${q(meta.tablePath)} (${columns.map((c) => q(c.databaseName)).join(', ')}) VALUES ${Array.from({ length: rows.length }, () => tuple).join(', ')}`;
      if (this.insertText.size < 64) this.insertText.set(rows.length, sql);
    }
    const params: unknown[] = [];
    for (const row of rows) for (const c of columns) params.push(connection.driver.preparePersistentValue(row[c.propertyName as keyof AuditEntryEntity], c));
    return this.catalog.query(sql, params);
  }

  /** The entry's subject hash and the store-scoped hash of each identifier, once each. */
  private subjectHashes(e: AuditRecord): string[] {
    const out = new Set<string>();
    if (e.subjectHash) out.add(e.subjectHash);
    for (const h of e.subjectHashes ?? []) out.add(h);
    if (e.subjects && e.storeId) {
      for (const [kind, key] of KINDS) for (const v of e.subjects[key] ?? []) if (v) out.add(this.hasher.hash(e.storeId, kind, v));
    }
    return [...out];
  }
}

export interface AuditFilter {
  storeId?: string | null;
  operation?: string | null;
  from?: Date | null;
  to?: Date | null;
  /** A person, by any identifier (see AuditLogService). */
  subject?: string | null;
}
