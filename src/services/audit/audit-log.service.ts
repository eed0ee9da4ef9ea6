import { In } from 'typeorm';
import { ApiKeyEntity, AuditEntryEntity, AuditSubjectEntity } from '../../entities/catalog';
import { BadUserInputError } from '../../errors';
import type { Tenancy, TenancyContext } from '../../tenancy/tenancy';
import { ConnectionShape, toConnection } from '../pagination/connection';
import type { PageRequest } from '../pagination/cursor';
import { newestFirstPage } from '../pagination/newest-first';
import { Identifiers, parsePerson } from '../subject/subject-input';
import type { SubjectHasher } from '../subject/subject-hasher';
import type { AuditFilter } from './audit.service';

/** The `operation` column's width: a longer filter can match nothing, so it is refused. */
export const MAX_OPERATION_LENGTH = 64;
// The shapes a recorded operation takes: GraphQL names, root-field lists, and a long name bounded as `<prefix>~<hash>` (http/operation-name.ts).
const OPERATION_SHAPE = /^[A-Za-z0-9_.,:~-]+$/;

export interface AuditLogEntry extends AuditEntryEntity {
  /** The name of the key that did it, when it has one. */
  apiKeyName: string | null;
}

/**
 * What `auditLog(subject:)` looks for. A value with '@' is an e-mail (canonical) and a customer
 * ID (as given); any other value a customer ID or a visitor ID: the caller need not know which
 * kind of identifier they hold, and every entry about the person carries all of them.
 */
export function auditSubjectIdentifiers(subject: string): Identifiers {
  let ids: Identifiers;
  try {
    ids = parsePerson({ idOrEmail: subject });
  } catch {
    throw new BadUserInputError('`subject` must be a customer ID, a visitor ID or a well-formed e-mail address');
  }
  return subject.includes('@') ? ids : { ...ids, visitorIds: ids.customerIds };
}

/** Reading the audit trail: the caller's company (or the stores the key is narrowed to), newest first. */
export class AuditLogService {
  constructor(
    private readonly tenancy: Tenancy,
    private readonly hasher: SubjectHasher,
  ) {}

  async list(ctx: TenancyContext, filter: AuditFilter, page: PageRequest, companyId?: string | null): Promise<ConnectionShape<AuditLogEntry>> {
    const p = this.tenancy.principal(ctx);
    validate(filter);
    const catalog = this.tenancy.catalogManager(ctx);
    const qb = catalog.getRepository(AuditEntryEntity).createQueryBuilder('a');
    const company = p.operator ? (companyId ?? null) : p.companyId;
    qb.where(company ? 'a.companyId = :company' : '1 = 1', { company });
    if (p.storeIds) qb.andWhere('a.storeId IN (:...reach)', { reach: [...p.storeIds] });
    const store = filter.storeId ? await this.tenancy.store(ctx, filter.storeId) : null;
    if (store) qb.andWhere('a.storeId = :storeId', { storeId: store.id });
    if (filter.operation) qb.andWhere('a.operation = :operation', { operation: filter.operation });
    if (filter.from) qb.andWhere('a.at >= :from', { from: filter.from });
    if (filter.to) qb.andWhere('a.at < :to', { to: filter.to });
    if (filter.subject !== undefined && filter.subject !== null) {
      // Hashes are scoped to a store: the person's hashes in every store the key may read.
      const ids = auditSubjectIdentifiers(filter.subject);
      const stores = store ? [store] : await this.tenancy.reachableStores(ctx, company ?? undefined);
      const hashes = stores.flatMap((s) => [
        ...ids.emails.map((v) => this.hasher.hash(s.id, 'email', v)),
        ...ids.customerIds.map((v) => this.hasher.hash(s.id, 'customer', v)),
        ...ids.visitorIds.map((v) => this.hasher.hash(s.id, 'visitor', v)),
      ]);
      if (hashes.length === 0) {
        qb.andWhere('1 = 0');
      } else {
        qb.andWhere((q) => {
          const sub = q.subQuery().select('s.entryKey').from(AuditSubjectEntity, 's').where('s.hash IN (:...subjectHashes)').getQuery();
          return `a.entryKey IN ${sub}`;
        }).setParameter('subjectHashes', hashes);
      }
    }
    const count = qb.clone();
    const rows = await newestFirstPage(qb, 'a', 'at', page, { numericId: true }).getMany();
    // Key names for the whole page in one statement.
    const keyIds = [...new Set(rows.map((r) => r.apiKeyId))];
    const keys = keyIds.length ? await catalog.getRepository(ApiKeyEntity).find({ where: { id: In(keyIds) }, select: { id: true, name: true } }) : [];
    const names = new Map(keys.map((k) => [k.id, k.name]));
    return toConnection(
      rows,
      page,
      (r) => ({ at: r.at, id: String(r.id) }),
      (r) => Object.assign(r, { apiKeyName: names.get(r.apiKeyId) ?? null }),
      () => count.getCount(),
    );
  }
}

function validate(filter: AuditFilter): void {
  if (filter.operation !== undefined && filter.operation !== null) {
    if (filter.operation.length === 0 || filter.operation.length > MAX_OPERATION_LENGTH || !OPERATION_SHAPE.test(filter.operation)) {
      throw new BadUserInputError(`\`operation\` must be 1-${MAX_OPERATION_LENGTH} characters: letters, digits and _ . , : ~ -`);
    }
  }
  if (filter.from && filter.to && filter.from > filter.to) throw new BadUserInputError('`from` must not be after `to`');
}
