import { DataSource } from 'typeorm';
import { AuditEntryEntity } from '../../entities/catalog';
import type { Principal } from '../auth/principal';

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
  subjects?: { emails: string[]; customerIds: string[]; visitorIds: string[] };
}

/** Appends to the audit trail. There is no update or delete: entries are evidence. */
export class AuditService {
  constructor(private readonly catalog: DataSource) {}

  async record(ctx: AuditContext, entries: AuditRecord[]): Promise<void> {
    if (entries.length === 0) return;
    const at = new Date();
    await this.catalog
      .getRepository(AuditEntryEntity)
      .createQueryBuilder()
      .insert()
      .values(
        entries.map((e) => ({
        at,
        apiKeyId: ctx.principal?.apiKeyId ?? 'system',
        companyId: e.companyId ?? ctx.principal?.companyId ?? null,
        operation: e.operation,
        storeId: e.storeId ?? null,
        subjectHash: e.subjectHash ?? null,
        records: e.records ?? 0,
        requestId: ctx.requestId ?? null,
        })),
      )
      // One statement: the generated IDs are not read back.
      .updateEntity(false)
      .execute();
  }
}

export interface AuditFilter {
  storeId?: string | null;
  operation?: string | null;
  from?: Date | null;
  to?: Date | null;
}
