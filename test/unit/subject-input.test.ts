import { parsePerson } from '../../src/services/subject/subject-input';
import { auditSubjectIdentifiers } from '../../src/services/audit/audit-log.service';

describe('parsePerson', () => {
  it.each([
    [{ idOrEmail: 'C123' }, { emails: [], customerIds: ['C123'], visitorIds: [] }],
    [{ idOrEmail: ' C123 ', visitorId: null }, { emails: [], customerIds: ['C123'], visitorIds: [] }],
    // A value with '@' is an e-mail (canonical) and a customer ID (as given, trimmed).
    [{ idOrEmail: ' Anna.ID@Shop.dk ' }, { emails: ['anna.id@shop.dk'], customerIds: ['Anna.ID@Shop.dk'], visitorIds: [] }],
    // Only ASCII letters are lower-cased: the Kelvin sign, a Turkish dotless ı, full-width letters stay.
    [{ idOrEmail: '\u212Aim@X.dk' }, { emails: ['\u212Aim@x.dk'], customerIds: ['\u212Aim@X.dk'], visitorIds: [] }],
    [{ idOrEmail: 'IŞIK@ıx.dk' }, { emails: ['iŞik@ıx.dk'], customerIds: ['IŞIK@ıx.dk'], visitorIds: [] }],
    [{ idOrEmail: 'ＡＢ@X.dk' }, { emails: ['ＡＢ@x.dk'], customerIds: ['ＡＢ@X.dk'], visitorIds: [] }],
    // An ID with '@' that is no e-mail address is still a customer ID.
    [{ idOrEmail: 'legacy@42' }, { emails: [], customerIds: ['legacy@42'], visitorIds: [] }],
    [{ visitorId: ' v-1 ' }, { emails: [], customerIds: [], visitorIds: ['v-1'] }],
  ])('reads %j as %j', (input, expected) => {
    expect(parsePerson(input)).toEqual(expected);
  });

  it.each([
    [{}, /exactly one/],
    [{ idOrEmail: null, visitorId: null }, /exactly one/],
    [{ idOrEmail: 'a', visitorId: 'b' }, /exactly one/],
    [{ idOrEmail: '' }, /`idOrEmail`/],
    [{ idOrEmail: 'two words' }, /`idOrEmail`/],
    [{ idOrEmail: 'x'.repeat(129) }, /`idOrEmail`/],
    [{ idOrEmail: `${'a'.repeat(250)}@b.dk` }, /`idOrEmail`/],
    [{ visitorId: '' }, /`visitorId`/],
    [{ visitorId: 'v\u0000' }, /`visitorId`/],
  ])('refuses %j as BAD_USER_INPUT', (input, message) => {
    expect(() => parsePerson(input)).toThrow(message);
    try {
      parsePerson(input);
    } catch (e) {
      expect((e as { extensions: { code: string } }).extensions.code).toBe('BAD_USER_INPUT');
    }
  });
});

describe('auditLog subject', () => {
  it.each([
    ['C123', { emails: [], customerIds: ['C123'], visitorIds: ['C123'] }],
    ['Anna@Shop.dk', { emails: ['anna@shop.dk'], customerIds: ['Anna@Shop.dk'], visitorIds: [] }],
  ])('looks for %j as %j', (subject, expected) => {
    expect(auditSubjectIdentifiers(subject)).toEqual(expected);
  });

  it('names `subject`, not `idOrEmail`, when refusing', () => {
    expect(() => auditSubjectIdentifiers('two words')).toThrow(/`subject`/);
  });
});
