import { ASTNode, GraphQLError, Kind, TokenKind } from 'graphql';

/**
 * graphql-js's input-coercion messages quote the value they refused (`got invalid value
 * { id: "x1", emial: "zq9@x.com" }`, `DateTime cannot represent an invalid date-time-string …`):
 * a caller's e-mail would come back in the error, and into logs and tools that keep errors.
 * These rewrite them to name the variable or argument, the path inside it and the rule, from
 * pieces that cannot carry a value: names (the GraphQL name grammar) and fixed rule texts.
 */

const NAME = /^[_A-Za-z][_0-9A-Za-z]{0,63}$/;
const PATH = /^[_A-Za-z]\w*(?:\.[_A-Za-z]\w*|\[\d+\])*$/;

const SCALAR_RULES: Record<string, string> = {
  Int: 'must be an Int (a whole number within 32 bits)',
  Float: 'must be a Float (a number)',
  String: 'must be a String',
  Boolean: 'must be a Boolean (true or false)',
  ID: 'must be an ID (a string or a whole number)',
  DateTime: 'must be a DateTime (ISO 8601, e.g. 2024-05-01T12:00:00Z)',
  JSONObject: 'must be a JSON object',
};

/** The rule a coercion message states, with nothing of the value; null when it is not one. */
function ruleOf(message: string): string | null {
  let m = /Field "([^"]*)" is not defined by type "(\w+)"/.exec(message);
  if (m) return NAME.test(m[1]) ? `field "${m[1]}" is not defined by type "${m[2]}"` : `an unknown field is not defined by type "${m[2]}"`;
  m = /Field "(\w+)" of required type "([\w[\]!]+)" was not provided/.exec(message);
  if (m) return `field "${m[1]}" of required type "${m[2]}" was not provided`;
  m = /Expected non-nullable type "([\w[\]!]+)" not to be null/.exec(message);
  if (m) return `must not be null (type "${m[1]}")`;
  m = /does not exist in "(\w+)" enum/.exec(message) ?? /Enum "(\w+)" cannot represent/.exec(message);
  if (m) return `must be one of the values of the enum "${m[1]}"`;
  m = /Expected type "(\w+)" to be an object/.exec(message);
  if (m) return `must be an input object of type "${m[1]}"`;
  m = /(?:^|; |\. )(Int|Float|String|Boolean|ID|DateTime|JSONObject) cannot (?:represent|be)/.exec(message);
  if (m) return SCALAR_RULES[m[1]];
  m = /^Expected value of type "([\w[\]!]+)", found /.exec(message);
  if (m) return `must be of type "${m[1]}"`;
  return null;
}

/** Whether graphql-js would have put a value in this message (the patterns above, and any like them). */
function carriesValue(message: string): boolean {
  return /got invalid value|cannot represent|cannot be (?:serialized|parsed)|", found |does not exist in "|is not defined by type|Expected type "/.test(message);
}

/**
 * A syntax error names the token it stopped at, and a string token is the caller's text
 * (`Expected Name, found String "ann@x.com"`): keep the token's kind, drop its value.
 */
export function parseErrorMessage(message: string): string {
  const m = /^(Syntax Error: (?:Expected .*?, found|Unexpected)) (Name|Int|Float|String|BlockString) "/.exec(message);
  return m ? `${m[1]} ${m[2]}.` : message;
}

/**
 * Where a literal value sits, as `argument.field[2].field`, read from the tokens before it
 * (graphql-js attaches the value's node, or the object field's, to its error).
 */
function literalPath(node: ASTNode | undefined): string | null {
  const start = node?.loc?.startToken;
  if (!node || !start) return null;
  const parts: string[] = [];
  let index = 0;
  let depth = 0;
  // Inside an object, looking for the brace that opens it (skipping the fields before ours).
  let skipping = node.kind === Kind.OBJECT_FIELD;
  const VALUE_ENDS = new Set<TokenKind>([TokenKind.STRING, TokenKind.BLOCK_STRING, TokenKind.INT, TokenKind.FLOAT, TokenKind.NAME]);
  for (let tok = start.prev; tok; tok = tok.prev) {
    const k = tok.kind;
    if (k === TokenKind.BRACE_R || k === TokenKind.BRACKET_R) {
      if (depth === 0 && !skipping) index++;
      depth++;
      continue;
    }
    if ((k === TokenKind.BRACE_L || k === TokenKind.BRACKET_L) && depth > 0) {
      depth--;
      continue;
    }
    if (depth > 0) continue;
    if (k === TokenKind.PAREN_L) break;
    if (k === TokenKind.BRACE_L) {
      skipping = false;
      index = 0;
    } else if (k === TokenKind.BRACKET_L) {
      if (!skipping) parts.unshift(`[${index}]`);
      index = 0;
    } else if (k === TokenKind.COLON && tok.prev?.kind === TokenKind.NAME) {
      if (!skipping) {
        parts.unshift(tok.prev.value);
        skipping = true;
      }
      tok = tok.prev;
    } else if (!skipping && (k === TokenKind.DOLLAR || (VALUE_ENDS.has(k) && tok.prev?.kind !== TokenKind.DOLLAR))) {
      index++;
    }
  }
  const path = parts.join('.').replace(/\.\[/g, '[');
  return PATH.test(path) ? path : null;
}

/**
 * The message to send for a GraphQL validation or input-coercion error: unchanged when it
 * carries no value, rewritten to name the place and the rule when it does.
 */
export function inputErrorMessage(message: string, error: GraphQLError): string {
  if (!carriesValue(message)) return message;
  const rule = ruleOf(message) ?? 'has an invalid value';
  const variable = /^Variable "\$(\w+)" got invalid value /.exec(message);
  if (variable) {
    const at = [...message.matchAll(/ at "([^"]*)"; /g)].pop()?.[1];
    const place = at && PATH.test(at) ? ` at "${at}"` : '';
    return `Variable "$${variable[1]}"${place} got an invalid value: ${rule}.`;
  }
  if (/^Variable "\$\w+" of (?:required|non-null) type "[\w[\]!]+" (?:was not provided|must not be null)\.$/.test(message)) return message;
  const path = literalPath(error.nodes?.[0]);
  if (/^Field "\w+" (?:of required type|is not defined by type)/.test(message) || /^Field "[^"]*" is not defined/.test(message)) {
    return `${path ? `Argument "${path}": ` : ''}${rule.charAt(0).toUpperCase()}${rule.slice(1)}.`;
  }
  return `${path ? `Argument "${path}"` : 'An argument'} ${rule.startsWith('must') ? 'has an invalid value: ' : ''}${rule}.`;
}
