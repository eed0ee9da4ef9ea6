import { Column, Entity, PrimaryColumn } from 'typeorm';
import { DATETIME } from '../common/columns';

/** An account: the data controller's organisation, owning one or more stores. */
@Entity('companies')
export class CompanyEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column(DATETIME)
  createdAt: Date;
}
