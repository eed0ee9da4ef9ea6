import { ValueTransformer } from 'typeorm';

/** MySQL returns DECIMAL as a string; the API speaks numbers. Two decimals, as in the shop. */
export const decimalToNumber: ValueTransformer = {
  to: (v: number | null | undefined) => v,
  from: (v: string | number | null) => (v === null || v === undefined ? v : Number(v)),
};

/** Millisecond precision on MySQL; SQLite stores the same ISO-like text. */
export const DATETIME = { type: 'datetime', precision: 3 } as const;
