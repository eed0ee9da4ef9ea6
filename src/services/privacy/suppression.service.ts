import { In } from 'typeorm';
import { ForgetRequestEntity, SuppressionEntity } from '../../entities/catalog';
import type { SubjectKind } from '../../entities/catalog/suppression.entity';
import { BadUserInputError } from '../../errors';
import type { Tenancy, TenancyContext } from '../../tenancy/tenancy';
import type { AuditContext, AuditService } from '../audit/audit.service';
import { parsePerson } from '../subject/subject-input';
import type { SubjectHasher } from '../subject/subject-hasher';
import type { Identifiers } from '../subject/subject-input';

const KINDS: [SubjectKind, keyof Identifiers][] = [
  ['email', 'emails'],
  ['customer', 'customerIds'],
  ['visitor', 'visitorIds'],
];

/** The suppression list (S6), by keyed hash: what ingestion must not bring back. */
export class SuppressionService {
  constructor(
    private readonly tenancy: Tenancy,
    private readonly hasher: SubjectHasher,
  ) {}

  /** Adds every identifier; ones already listed keep their first request. */
  async suppress(ctx: TenancyContext, storeId: string, ids: Identifiers, forgetRequestId: string): Promise<void> {
    const rows = KINDS.flatMap(([kind, key]) => ids[key].map((v) => ({ storeId, hash: this.hasher.hash(storeId, kind, v), kind, forgetRequestId, createdAt: new Date() })));
    if (rows.length === 0) return;
    const repo = this.tenancy.catalogManager(ctx).getRepository(SuppressionEntity);
    for (let i = 0; i < rows.length; i += 500) await repo.createQueryBuilder().insert().values(rows.slice(i, i + 500)).orIgnore().execute();
  }

  /** Which of these identifiers are suppressed in the store, as a predicate per kind. */
  async matcher(ctx: TenancyContext, storeId: string, ids: Identifiers): Promise<(kind: SubjectKind, value: string | null | undefined) => boolean> {
    const hashes = new Map<string, string>();
    for (const [kind, key] of KINDS) for (const v of ids[key]) hashes.set(`${kind}\u0000${v}`, this.hasher.hash(storeId, kind, v));
    if (hashes.size === 0) return () => false;
    const found = new Set<string>();
    const all = [...hashes.values()];
    for (let i = 0; i < all.length; i += 1000) {
      const rows = await this.tenancy.catalogManager(ctx).getRepository(SuppressionEntity).find({ where: { storeId, hash: In(all.slice(i, i + 1000)) }, select: { hash: true } });
      rows.forEach((r) => found.add(r.hash));
    }
    return (kind, value) => !!value && found.has(hashes.get(`${kind}\u0000${value}`) ?? '');
  }
}

/** A reason is kept in the catalog (the audit trail), which never holds a shopper identifier in clear. */
export const MAX_REASON_LENGTH = 500;
const EMAIL_IN_TEXT = /[^\s@]+@[^\s@]+\.[^\s@]+/u;
/** Rounds of "identifiers → forget requests → their identifiers": a person's requests rarely chain further. */
const CLOSURE_ROUNDS = 5;

/** The suppression list as a store manages it: how many identifiers it holds, and letting a person back in. */
export class SuppressionListService {
  constructor(
    private readonly tenancy: Tenancy,
    private readonly hasher: SubjectHasher,
    private readonly audit: AuditService,
  ) {}

  /** How many identifiers (e-mails, customer IDs, visitor IDs) the store's list holds. */
  async count(ctx: TenancyContext, storeId: string): Promise<number> {
    const store = await this.tenancy.store(ctx, storeId);
    return this.tenancy.catalogManager(ctx).getRepository(SuppressionEntity).countBy({ storeId: store.id });
  }

  /**
   * Lifts every identifier that forgets of this person suppressed in the store: the entries of
   * the given identifiers, then every entry of the forget requests that wrote them or were made
   * for them, until nothing new turns up. Audited with the reason; returns how many identifiers
   * were lifted. The store's data is not touched: what was erased stays erased.
   */
  async lift(ctx: TenancyContext & AuditContext, storeId: string, person: { idOrEmail?: string | null; visitorId?: string | null }, reason: string): Promise<number> {
    const store = await this.tenancy.store(ctx, storeId);
    const ids = parsePerson(person);
    const cleanReason = validReason(reason);
    const catalog = this.tenancy.catalogManager(ctx);
    const hashes = new Set(KINDS.flatMap(([kind, key]) => ids[key].map((v) => this.hasher.hash(store.id, kind, v))));
    const requests = new Set<string>();
    let rows: SuppressionEntity[] = [];
    for (let round = 0; round < CLOSURE_ROUNDS; round++) {
      const before = hashes.size + requests.size;
      const asked = await chunked([...hashes], (part) => catalog.getRepository(ForgetRequestEntity).find({ where: { storeId: store.id, subjectHash: In(part) }, select: { id: true } }));
      asked.forEach((r) => requests.add(r.id));
      const byHash = await chunked([...hashes], (part) => catalog.getRepository(SuppressionEntity).find({ where: { storeId: store.id, hash: In(part) } }));
      byHash.forEach((r) => requests.add(r.forgetRequestId));
      const byRequest = await chunked([...requests], (part) => catalog.getRepository(SuppressionEntity).find({ where: { storeId: store.id, forgetRequestId: In(part) } }));
      rows = [...new Map([...byHash, ...byRequest].map((r) => [r.hash, r])).values()];
      rows.forEach((r) => hashes.add(r.hash));
      if (hashes.size + requests.size === before) break;
    }
    const lifted = rows.map((r) => r.hash);
    for (let i = 0; i < lifted.length; i += 500) {
      await catalog.getRepository(SuppressionEntity).delete({ storeId: store.id, hash: In(lifted.slice(i, i + 500)) });
    }
    await this.audit.record(ctx, [{
      operation: 'liftSuppression',
      storeId: store.id,
      companyId: store.companyId,
      records: lifted.length,
      subjects: ids,
      subjectHashes: lifted,
      detail: `reason: ${cleanReason}`,
    }]);
    return lifted.length;
  }
}

function validReason(reason: string): string {
  const clean = reason.trim();
  if (clean.length === 0 || clean.length > MAX_REASON_LENGTH || /[\p{Cc}]/u.test(clean.replace(/\r?\n/g, ' '))) {
    throw new BadUserInputError(`\`reason\` must be 1-${MAX_REASON_LENGTH} characters without control characters`);
  }
  if (EMAIL_IN_TEXT.test(clean)) {
    throw new BadUserInputError('`reason` must not contain an e-mail address: the catalog never holds a shopper identifier in clear');
  }
  return clean;
}

async function chunked<T>(values: string[], query: (part: string[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < values.length; i += 500) out.push(...(await query(values.slice(i, i + 500))));
  return out;
}
