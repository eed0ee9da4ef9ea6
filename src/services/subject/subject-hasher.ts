import type { SubjectKind } from '../../entities/catalog/suppression.entity';
import { subjectHash } from '../auth/secrets';
import type { Identifiers } from './subject-input';

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

  /** The one hash a request about a person is filed under: their first e-mail, else customer ID, else visitor ID. */
  subject(storeId: string, subject: Identifiers): string {
    if (subject.emails.length) return this.hash(storeId, 'email', subject.emails[0]);
    if (subject.customerIds.length) return this.hash(storeId, 'customer', subject.customerIds[0]);
    return this.hash(storeId, 'visitor', subject.visitorIds[0]);
  }
}
