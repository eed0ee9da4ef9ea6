import { z } from 'zod';
import { EVENT_TYPES } from '../../entities/store/visit-event.entity';
import { MAX_EMAIL_LENGTH, MAX_ID_LENGTH, normalizeEmail, normalizeId } from '../subject/normalize';
import { BadUserInputError } from '../../errors';

/** Largest batch one ingestion call accepts; larger syncs are sent as several batches. */
export const MAX_BATCH_SIZE = 1000;
export const MAX_LINES_PER_ORDER = 500;

const id = z
  .string()
  .max(MAX_ID_LENGTH, `must be at most ${MAX_ID_LENGTH} characters`)
  .transform((v, c) => normalizeId(v) ?? (c.addIssue({ code: 'custom', message: 'must be a non-empty ID without spaces' }), z.NEVER));
const optionalId = id.nullish();
const email = z
  .string()
  .max(MAX_EMAIL_LENGTH, `must be at most ${MAX_EMAIL_LENGTH} characters`)
  .transform((v, c) => normalizeEmail(v) ?? (c.addIssue({ code: 'custom', message: 'is not a well-formed e-mail address' }), z.NEVER))
  .nullish();
const text = (max: number) => z.string().trim().max(max, `must be at most ${max} characters`).nullish();
const date = z.date({ invalid_type_error: 'must be a date-time' }).nullish();

export const customerRecord = z.object({
  id,
  email,
  name: text(200),
  age: z.number().int('must be a whole number').min(0, 'must be at least 0').max(150, 'must be at most 150').nullish(),
  gender: text(32),
  city: text(120),
  attributes: z.record(z.string().max(1000, 'values must be at most 1000 characters')).nullish(),
});

export const eventRecord = z.object({
  visitorId: id,
  customerId: optionalId,
  email,
  type: z.enum(EVENT_TYPES, { errorMap: () => ({ message: `must be one of ${EVENT_TYPES.join(', ')}` }) }),
  url: text(2048),
  productId: optionalId,
  contentId: optionalId,
  occurredAt: date,
  durationSeconds: z.number().int('must be a whole number').min(0, 'must be at least 0').max(86_400, 'must be at most 86400').nullish(),
});

export const orderLineRecord = z.object({
  productId: id,
  quantity: z.number().int('must be a whole number').min(1, 'must be at least 1').max(1_000_000, 'must be at most 1000000'),
  unitPrice: z.number().min(0, 'must not be negative').max(1e10, 'is too large').finite('must be a finite number'),
});

export const orderRecord = z.object({
  id,
  customerId: optionalId,
  email,
  visitorId: optionalId,
  createdAt: date,
  currency: z.string().regex(/^[A-Za-z]{3}$/, 'must be a three-letter ISO 4217 code').transform((c) => c.toUpperCase()),
  lines: z.array(orderLineRecord).max(MAX_LINES_PER_ORDER, `must have at most ${MAX_LINES_PER_ORDER} lines`),
});

/**
 * Validates a whole batch before anything is written. The error names every bad record by
 * position and field, and never repeats a submitted value (it could be an e-mail address).
 */
export function parseBatch<S extends z.ZodTypeAny>(name: string, schema: S, records: unknown[], key?: (r: z.output<S>) => string): z.output<S>[] {
  if (records.length === 0) throw new BadUserInputError(`\`${name}\` must hold at least one record`);
  if (records.length > MAX_BATCH_SIZE) throw new BadUserInputError(`\`${name}\` holds ${records.length} records; the limit is ${MAX_BATCH_SIZE} per call`);
  const result = z.array(schema).safeParse(records);
  if (!result.success) {
    const invalid = result.error.issues.slice(0, 20).map((i) => ({
      path: `${name}${i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('')}`,
      message: i.message,
    }));
    throw new BadUserInputError(`Batch rejected, nothing written: ${invalid.map((i) => `${i.path} ${i.message}`).join('; ')}`, { invalidRecords: invalid });
  }
  if (key) {
    const seen = new Map<string, number>();
    result.data.forEach((r, i) => {
      const k = key(r);
      const first = seen.get(k);
      if (first !== undefined) throw new BadUserInputError(`Batch rejected, nothing written: ${name}[${i}].id repeats ${name}[${first}].id`);
      seen.set(k, i);
    });
  }
  return result.data;
}
