/**
 * Exact money: amounts travel as integer cents (bigint) and leave the gateway as decimal
 * strings with two places ("1234.50"). Never a float sum: 0.1 + 0.2 is not 0.3.
 */

/** "1234.5", "-0.07", "12" or an integer number of cents → cents. Accepts what the engines return. */
export function decimalToCents(value: string | number | bigint): bigint {
  if (typeof value === 'bigint') return value * 100n;
  const s = typeof value === 'number' ? value.toFixed(2) : value.trim();
  const m = /^(-?)(\d*)(?:\.(\d*))?$/.exec(s);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new Error('not a decimal amount');
  const frac = (m[3] ?? '').padEnd(3, '0');
  // Half away from zero on the third place, as DECIMAL rounding does (only reached with scale > 2).
  let cents = BigInt(m[2] || '0') * 100n + BigInt(frac.slice(0, 2)) + (Number(frac[2]) >= 5 ? 1n : 0n);
  if (m[1] === '-') cents = -cents;
  return cents;
}

/** Integer cents → "1234.50". */
export function centsToDecimal(cents: bigint): string {
  const neg = cents < 0n;
  const abs = neg ? -cents : cents;
  const units = abs / 100n;
  const rest = (abs % 100n).toString().padStart(2, '0');
  return `${neg ? '-' : ''}${units}.${rest}`;
}

/** An integer number of cents as the engines return it (number, bigint or a numeric string). */
export function toCents(value: string | number | bigint | null): bigint {
  if (value === null) return 0n;
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return BigInt(Math.round(value));
  return BigInt(value.split('.')[0]);
}
