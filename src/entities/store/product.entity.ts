import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The shop's catalogue, as far as preferences need it (a category to group by). */
@Entity('products')
export class ProductEntity {
  @PrimaryColumn({ type: 'varchar', length: 128 })
  id: string;

  @Column({ type: 'varchar', length: 200, nullable: true })
  name: string | null;

  @Column({ type: 'varchar', length: 120, nullable: true })
  category: string | null;
}
