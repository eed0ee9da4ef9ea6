import { z } from 'zod';
import { MAX_ID_LENGTH, normalizeId } from '../subject/normalize';

/** A product of the shop's catalogue: not personal data, so no suppression and no collection setting applies. */
const label = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `must be at most ${max} characters`)
    .nullish()
    .transform((v) => (v ? v : null));

export const productRecord = z.object({
  id: z
    .string()
    .max(MAX_ID_LENGTH, `must be at most ${MAX_ID_LENGTH} characters`)
    .transform((v, c) => normalizeId(v) ?? (c.addIssue({ code: 'custom', message: 'must be a non-empty ID without spaces' }), z.NEVER)),
  name: label(200),
  category: label(120),
});
