import { Column, Entity, PrimaryColumn } from 'typeorm';
import { DATETIME } from '../common/columns';

/**
 * Which generation of its database user's password a store is at (MySQL). The password itself
 * is derived, never stored: HKDF of the store-database secret over the generation and the
 * database name. No row: generation 0, the scheme stores were created with before rotation
 * existed; `npm run rotate-store-credentials` moves every store one generation on.
 */
@Entity('store_credentials')
export class StoreCredentialEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  storeId: string;

  @Column({ type: 'int' })
  generation: number;

  @Column(DATETIME)
  rotatedAt: Date;
}
