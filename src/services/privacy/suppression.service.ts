import { DataSource, In } from 'typeorm';
import { SuppressionEntity } from '../../entities/catalog';
import type { SubjectKind } from '../../entities/catalog/suppression.entity';
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
    private readonly catalog: DataSource,
    private readonly hasher: SubjectHasher,
  ) {}

  /** Adds every identifier; ones already listed keep their first request. */
  async suppress(storeId: string, ids: Identifiers, forgetRequestId: string): Promise<void> {
    const rows = KINDS.flatMap(([kind, key]) => ids[key].map((v) => ({ storeId, hash: this.hasher.hash(storeId, kind, v), kind, forgetRequestId, createdAt: new Date() })));
    if (rows.length === 0) return;
    const repo = this.catalog.getRepository(SuppressionEntity);
    for (let i = 0; i < rows.length; i += 500) await repo.createQueryBuilder().insert().values(rows.slice(i, i + 500)).orIgnore().execute();
  }

  /** Which of these identifiers are suppressed in the store, as a predicate per kind. */
  async matcher(storeId: string, ids: Identifiers): Promise<(kind: SubjectKind, value: string | null | undefined) => boolean> {
    const hashes = new Map<string, string>();
    for (const [kind, key] of KINDS) for (const v of ids[key]) hashes.set(`${kind}\u0000${v}`, this.hasher.hash(storeId, kind, v));
    if (hashes.size === 0) return () => false;
    const found = new Set<string>();
    const all = [...hashes.values()];
    for (let i = 0; i < all.length; i += 1000) {
      const rows = await this.catalog.getRepository(SuppressionEntity).find({ where: { storeId, hash: In(all.slice(i, i + 1000)) }, select: { hash: true } });
      rows.forEach((r) => found.add(r.hash));
    }
    return (kind, value) => !!value && found.has(hashes.get(`${kind}\u0000${value}`) ?? '');
  }
}
