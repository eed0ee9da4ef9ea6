import type { SubjectKind } from '../../entities/catalog/suppression.entity';
import { subjectHash } from '../auth/secrets';

/**
 * Names people in the catalog without naming them: an HMAC, keyed with the server secret and
 * scoped to one store, of an identifier's kind and canonical value. The same person hashes
 * differently in two stores, so the catalog cannot link them across shops.
 */
export class SubjectHasher {
  constructor(private readonly secret: string) {}

  hash(storeId: string, kind: SubjectKind, value: string): string {
    return subjectHash(this.secret, storeId, `${kind}\u0000${value}`);
  }
}
