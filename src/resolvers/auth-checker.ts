import type { AuthChecker } from 'type-graphql';
import type { Context } from '../context';
import { ForbiddenError, UnauthenticatedError } from '../errors';
import { OPERATOR, Scope } from '../auth/scope';

/**
 * The one authorization check. `@Authorized(...)` lists what a field needs: scopes (all of
 * them), or OPERATOR for platform operations. On a nullable field a refusal leaves that field
 * null with a FORBIDDEN error at its path, and the rest of the query still answers.
 */
export const authChecker: AuthChecker<Context, string> = ({ context }, required) => {
  const p = context.principal;
  if (!p) throw new UnauthenticatedError();
  for (const need of required) {
    if (need === OPERATOR ? !p.operator : !p.scopes.has(need as Scope)) {
      throw new ForbiddenError(
        need === OPERATOR ? 'Only an operator key may do this' : `This API key lacks the ${need} scope needed here`,
      );
    }
  }
  return true;
};
