import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { DATETIME } from '../common/columns';

/** An API key. Only a SHA-256 of the secret is kept; the secret is shown once at creation. */
@Entity('api_keys')
export class ApiKeyEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  /** A label people recognise in the audit trail ("Shop backend", "DPO laptop"). */
  @Column({ type: 'varchar', length: 100, nullable: true })
  name: string | null;

  /** Null only for operator keys, which reach every company. */
  @Index('idx_api_keys_company')
  @Column({ type: 'varchar', length: 36, nullable: true })
  companyId: string | null;

  /** Null: every store of the company. Otherwise the stores the key is narrowed to. */
  @Column({ type: 'simple-json', nullable: true })
  storeIds: string[] | null;

  @Column({ type: 'simple-json' })
  scopes: string[];

  /** Operator keys (BOOTSTRAP_ADMIN_KEY) reach every company and may create companies. */
  @Column({ type: 'boolean', default: false })
  operator: boolean;

  @Index('idx_api_keys_secret_hash', { unique: true })
  @Column({ type: 'varchar', length: 64 })
  secretHash: string;

  @Column({ type: 'varchar', length: 36, nullable: true })
  createdByKeyId: string | null;

  @Column(DATETIME)
  createdAt: Date;

  @Column({ ...DATETIME, nullable: true })
  lastUsedAt: Date | null;

  @Column({ ...DATETIME, nullable: true })
  revokedAt: Date | null;
}
