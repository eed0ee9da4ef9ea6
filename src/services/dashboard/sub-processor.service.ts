import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type EntityManager, Not, In } from 'typeorm';
import { z } from 'zod';
import { SubProcessorEntity } from '../../entities/catalog';

/** The reviewed registry file, versioned with the code. */
export const SUB_PROCESSORS_FILE = join(__dirname, '..', '..', '..', 'config', 'sub-processors.json');

const fileSchema = z.object({
  subProcessors: z.array(
    z.object({
      id: z.string().regex(/^[a-z0-9-]{1,64}$/),
      name: z.string().min(1).max(200),
      legalEntity: z.string().min(1).max(200),
      purpose: z.string().min(1).max(500),
      country: z.string().regex(/^[A-Z]{2}$/),
      location: z.string().min(1).max(200),
      inEea: z.boolean(),
      transferMechanism: z.string().max(500).nullable(),
      dataCategories: z.array(z.string()),
      products: z.array(z.string()).min(1),
    }).refine((s) => s.inEea || !!s.transferMechanism, { message: 'a processor outside the EU/EEA needs a transfer mechanism' }),
  ),
});

/** Loads the registry into the catalog (the file wins: entries removed from it are removed). */
export async function loadSubProcessors(catalog: EntityManager, file = SUB_PROCESSORS_FILE): Promise<SubProcessorEntity[]> {
  const parsed = fileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const repo = catalog.getRepository(SubProcessorEntity);
  const rows = parsed.data.subProcessors.map((s) => Object.assign(new SubProcessorEntity(), s));
  await catalog.transaction(async (em) => {
    await em.save(SubProcessorEntity, rows);
    await em.delete(SubProcessorEntity, rows.length ? { id: Not(In(rows.map((r) => r.id))) } : {});
  });
  return repo.find({ order: { id: 'ASC' } });
}

/** Whether a store using these products needs this sub-processor. */
export const needs = (sp: Pick<SubProcessorEntity, 'products'>, products: string[]) => sp.products.includes('*') || sp.products.some((p) => products.includes(p));
