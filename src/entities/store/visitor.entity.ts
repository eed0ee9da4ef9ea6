import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { DATETIME } from '../common/columns';

/** A browser identity (tracking ID), possibly linked to a customer once they identify. */
@Entity('visitors')
export class VisitorEntity {
  @PrimaryColumn({ type: 'varchar', length: 128 })
  id: string;

  @Index('idx_visitors_customer')
  @Column({ type: 'varchar', length: 128, nullable: true })
  customerId: string | null;

  @Index('idx_visitors_email')
  @Column({ type: 'varchar', length: 254, nullable: true })
  email: string | null;

  @Column(DATETIME)
  firstSeenAt: Date;

  @Column(DATETIME)
  lastSeenAt: Date;
}
