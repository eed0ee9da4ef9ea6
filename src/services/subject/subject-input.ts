import { BadUserInputError } from '../../errors';
import { MAX_EMAIL_LENGTH, MAX_ID_LENGTH, normalizeEmail, normalizeId } from './normalize';

/** The identifiers a person is known by in one store: e-mails (canonical), customer IDs, visitor IDs. */
export interface Identifiers {
  emails: string[];
  customerIds: string[];
  visitorIds: string[];
}

export const noIdentifiers = (): Identifiers => ({ emails: [], customerIds: [], visitorIds: [] });

/**
 * One person as a caller names them: exactly one of idOrEmail / visitorId (else BAD_USER_INPUT).
 * A value with '@' is tried as an e-mail (canonical) AND as a customer ID (as given, trimmed),
 * since shops use addresses as customer IDs; every match is the person. A value that is
 * neither a well-formed e-mail nor a valid ID is refused. Messages never echo the value.
 */
export function parsePerson(input: { idOrEmail?: string | null; visitorId?: string | null }): Identifiers {
  const { idOrEmail, visitorId } = input;
  if ((idOrEmail === undefined || idOrEmail === null) === (visitorId === undefined || visitorId === null)) {
    throw new BadUserInputError('Name the person by exactly one of `idOrEmail` or `visitorId`');
  }
  if (visitorId !== undefined && visitorId !== null) {
    if (visitorId.length > MAX_ID_LENGTH) throw new BadUserInputError(`\`visitorId\` is longer than ${MAX_ID_LENGTH} characters`);
    const id = normalizeId(visitorId);
    if (!id) throw new BadUserInputError('`visitorId` must be a non-empty ID without spaces');
    return { emails: [], customerIds: [], visitorIds: [id] };
  }
  if (idOrEmail === undefined || idOrEmail === null) throw new BadUserInputError('`idOrEmail` is required');
  if (idOrEmail.length > MAX_EMAIL_LENGTH) throw new BadUserInputError(`\`idOrEmail\` is longer than ${MAX_EMAIL_LENGTH} characters`);
  const email = idOrEmail.includes('@') ? normalizeEmail(idOrEmail) : null;
  const id = idOrEmail.trim().length <= MAX_ID_LENGTH ? normalizeId(idOrEmail) : null;
  if (!email && !id) throw new BadUserInputError('`idOrEmail` must be a customer ID or a well-formed e-mail address');
  return { emails: email ? [email] : [], customerIds: id ? [id] : [], visitorIds: [] };
}
