import { BadUserInputError } from '../../errors';
import { MAX_EMAIL_LENGTH, MAX_ID_LENGTH, normalizeEmail, normalizeId } from './normalize';

/** The identifiers a person is known by in one store. */
export interface Identifiers {
  emails: string[];
  customerIds: string[];
  visitorIds: string[];
}

/** Trim, lower-case the ASCII letters only: the Kelvin sign or a Turkish ı stays what it is. */
function canonicalEmail(raw: string): string | null {
  // normalizeEmail checks the shape and length (both blind to case); the value is ours.
  if (normalizeEmail(raw) === null) return null;
  return raw.trim().replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/**
 * A person as an API caller names them: `idOrEmail` (a customer ID, or an e-mail address — a
 * value with '@' is tried as both, since customer IDs may contain '@') or `visitorId` (an
 * anonymous shopper). Exactly one of the two; anything else is BAD_USER_INPUT naming the
 * argument and the rule, never the value.
 */
export function parsePerson(input: { idOrEmail?: string | null; visitorId?: string | null }): Identifiers {
  const { idOrEmail, visitorId } = input;
  const given = [idOrEmail, visitorId].filter((v) => v !== undefined && v !== null);
  if (given.length !== 1) throw new BadUserInputError('Name the person by exactly one of `idOrEmail` and `visitorId`');
  if (visitorId !== undefined && visitorId !== null) {
    const id = normalizeId(visitorId);
    if (!id) throw new BadUserInputError(`\`visitorId\` must be 1-${MAX_ID_LENGTH} characters without spaces or control characters`);
    return { emails: [], customerIds: [], visitorIds: [id] };
  }
  const raw = idOrEmail as string;
  const email = raw.includes('@') ? canonicalEmail(raw) : null;
  const id = normalizeId(raw);
  if (!email && !id) {
    throw new BadUserInputError(`\`idOrEmail\` must be a customer ID (1-${MAX_ID_LENGTH} characters without spaces) or a well-formed e-mail address (at most ${MAX_EMAIL_LENGTH} characters)`);
  }
  return { emails: email ? [email] : [], customerIds: id ? [id] : [], visitorIds: [] };
}
