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

/**
 * Limits of what both engines store, checked here so MariaDB and SQLite accept and refuse the
 * same batches (SQLite would store what MariaDB's columns refuse). Character limits count UTF-16
 * units, never fewer than the characters a VARCHAR counts, so a text that passes fits both.
 */
export const STORED_LIMITS = {
  /** DECIMAL(14,2): a line's amount (quantity × unit price) and an order's total. */
  maxAmount: 999_999_999_999.99,
  /** TEXT on MariaDB/MySQL holds 65,535 bytes: the customer's attributes as stored JSON, in UTF-8. */
  maxAttributesBytes: 65_535,
  /** Event and order times: none before this. */
  earliest: new Date('2000-01-01T00:00:00Z'),
  /** Event and order times: none further ahead of the server's clock than this. */
  maxAheadMs: 24 * 60 * 60 * 1000,
} as const;

const TIME_RULE = 'must be between 2000-01-01 and one day from now';
const date = z
  .date({ invalid_type_error: 'must be a date-time' })
  .refine((d) => d.getTime() >= STORED_LIMITS.earliest.getTime() && d.getTime() <= Date.now() + STORED_LIMITS.maxAheadMs, TIME_RULE)
  .nullish();
const AMOUNT_RULE = 'must be at most 999999999999.99 (the stored decimal)';

export const customerRecord = z.object({
  id,
  email,
  name: text(200),
  age: z.number().int('must be a whole number').min(0, 'must be at least 0').max(150, 'must be at most 150').nullish(),
  gender: text(32),
  city: text(120),
  attributes: z
    .record(z.string().max(1000, 'values must be at most 1000 characters'))
    .refine((a) => Buffer.byteLength(JSON.stringify(a), 'utf8') <= STORED_LIMITS.maxAttributesBytes, `must be at most ${STORED_LIMITS.maxAttributesBytes} bytes as stored (JSON, UTF-8)`)
    .nullish(),
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
  // Rounded to cents here, as DECIMAL(14,2) would on MariaDB, so SQLite stores the same amount.
  unitPrice: z.number().min(0, 'must not be negative').max(1e10, 'must be at most 10000000000').finite('must be a finite number').transform((p) => Math.round(p * 100) / 100),
}).superRefine((l, c) => {
  if (l.quantity * l.unitPrice > STORED_LIMITS.maxAmount) c.addIssue({ code: 'custom', path: ['amount'], message: `(quantity × unitPrice) ${AMOUNT_RULE}` });
});

export const orderRecord = z.object({
  id,
  customerId: optionalId,
  email,
  visitorId: optionalId,
  createdAt: date,
  currency: z.string().regex(/^[A-Za-z]{3}$/, 'must be a three-letter ISO 4217 code').transform((c) => c.toUpperCase()),
  lines: z.array(orderLineRecord).max(MAX_LINES_PER_ORDER, `must have at most ${MAX_LINES_PER_ORDER} lines`),
}).superRefine((o, c) => {
  // The stored total, as ingestion computes it; checked only when every line fits on its own.
  const total = o.lines.reduce((sum, l) => sum + l.quantity * l.unitPrice, 0);
  if (total > STORED_LIMITS.maxAmount && o.lines.every((l) => l.quantity * l.unitPrice <= STORED_LIMITS.maxAmount)) {
    c.addIssue({ code: 'custom', path: ['total'], message: `(the sum of its lines) ${AMOUNT_RULE}` });
  }
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
