import type { StoreDeletionEntity } from '../../entities/catalog/store-deletion.entity';
import type { ReceiptSigner } from './receipt-signer';

/** What a forget receipt is made from: a ledger entry (no personal data: the subject is a keyed hash). */
export interface ForgetLedgerEntry {
  id: string;
  storeId: string;
  subjectHash: string;
  status: string;
  requestedAt: Date;
  completedAt: Date | null;
  backupsClearBy: Date;
  customersDeleted: number;
  ordersAnonymized: number;
  visitorsDeleted: number;
  eventsDeleted: number;
  reference: string | null;
}

/** Who issues receipts; a verifier checks `iss` against the gateway it asked. */
export const RECEIPT_ISSUER = 'privacy-gateway';

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/**
 * Receipts: proof for a third party that a forget or a store deletion was done. Computed when
 * read, from the ledger entry, in a fixed field order, with a deterministic signature: the same
 * entry always gives the same receipt (until the signing key is rotated).
 */
export class ReceiptService {
  constructor(private readonly signer: ReceiptSigner) {}

  jwks() {
    return this.signer.jwks();
  }

  /** The receipt of a COMPLETED forget request; null otherwise. */
  async forEntry(r: ForgetLedgerEntry): Promise<string | null> {
    if (r.status !== 'COMPLETED') return null;
    return this.signer.sign(forgetReceiptPayload(r));
  }

  /** The receipt of a finished store deletion; null while it runs. */
  async forDeletion(d: StoreDeletionEntity): Promise<string | null> {
    if (d.status !== 'COMPLETED') return null;
    return this.signer.sign(deletionReceiptPayload(d));
  }
}

/** The signed content of a store deletion's receipt (also the `store.deleted` webhook's data), in its fixed order. */
export function deletionReceiptPayload(d: StoreDeletionEntity): Record<string, unknown> {
  return {
    iss: RECEIPT_ISSUER,
    type: 'store.deleted',
    deletionId: d.id,
    storeId: d.storeId,
    status: d.status,
    counts: { customersDeleted: d.customersDeleted, ordersDeleted: d.ordersDeleted, visitorsDeleted: d.visitorsDeleted, eventsDeleted: d.eventsDeleted, keysRevoked: d.keysRevoked },
    requestedAt: iso(d.requestedAt),
    completedAt: iso(d.completedAt),
  };
}

/** The signed content of a forget receipt, in its fixed order. */
export function forgetReceiptPayload(r: ForgetLedgerEntry): Record<string, unknown> {
  return {
    iss: RECEIPT_ISSUER,
    type: 'forget',
    requestId: r.id,
    storeId: r.storeId,
    subjectHash: r.subjectHash,
    status: r.status,
    counts: { customersDeleted: r.customersDeleted, ordersAnonymized: r.ordersAnonymized, visitorsDeleted: r.visitorsDeleted, eventsDeleted: r.eventsDeleted },
    requestedAt: iso(r.requestedAt),
    completedAt: iso(r.completedAt),
    backupsClearBy: iso(r.backupsClearBy),
    reference: r.reference,
  };
}
