import { normalizeEmail } from '../../src/services/subject/normalize';
import { parsePerson } from '../../src/services/subject/subject-input';

describe('e-mail normalization', () => {
  it.each([
    ['  Anna@Example.DK ', 'anna@example.dk'],
    // Only A-Z are lower-cased: every other character stays exactly as sent.
    ['JOSÉ@EXAMPLE.COM', 'josÉ@example.com'],
    ['jоse@example.com', 'jоse@example.com'], // Cyrillic о stays Cyrillic
    ['a+tag@sub.example.co.uk', 'a+tag@sub.example.co.uk'],
    ['\u212Aim@example.dk', '\u212Aim@example.dk'], // Kelvin sign: toLowerCase() would make it "kim@"
    ['KIM@EXAMPLE.DK', 'kim@example.dk'],
    ['Iı@example.tr', 'iı@example.tr'], // Turkish dotless ı stays; ASCII I becomes i
    ['\u0130pek@example.tr', '\u0130pek@example.tr'], // dotted İ stays (toLowerCase() gives "i̇", two code points)
    ['ＡＢＣ@example.jp', 'ＡＢＣ@example.jp'], // full-width letters stay full-width
    ['Straße@Example.DE', 'straße@example.de'],
  ])('canonicalizes %j to %j', (raw, expected) => {
    expect(normalizeEmail(raw)).toBe(expected);
  });

  it.each([[''], ['   '], ['no-at-sign'], ['a@b'], ['a b@c.dk'], ['a@@b.dk'], [`${'a'.repeat(250)}@b.dk`], ['a\u0000@b.dk']])('rejects %j', (raw) => {
    expect(normalizeEmail(raw)).toBeNull();
  });

  it('keeps accented, look-alike and Kelvin-sign addresses distinct', () => {
    const forms = ['jose@x.com', 'josé@x.com', 'jоse@x.com', 'kim@x.com', '\u212Aim@x.com'].map(normalizeEmail);
    expect(new Set(forms).size).toBe(5);
  });
});

describe('a person as the caller names them', () => {
  it.each([
    [{ idOrEmail: 'C123' }, { emails: [], customerIds: ['C123'], visitorIds: [] }],
    [{ idOrEmail: ' C123 ' }, { emails: [], customerIds: ['C123'], visitorIds: [] }],
    // A value with '@' is an e-mail (canonical) and a customer ID (as given, trimmed).
    [{ idOrEmail: ' Anna.ID@Shop.dk ' }, { emails: ['anna.id@shop.dk'], customerIds: ['Anna.ID@Shop.dk'], visitorIds: [] }],
    [{ idOrEmail: 'A@B.dk', visitorId: null }, { emails: ['a@b.dk'], customerIds: ['A@B.dk'], visitorIds: [] }],
    // '@' but not an address: a customer ID only.
    [{ idOrEmail: 'pia@' }, { emails: [], customerIds: ['pia@'], visitorIds: [] }],
    // An address with a space in its local part is no ID; a well-formed address over 128 characters neither.
    [{ idOrEmail: `${'a'.repeat(130)}@b.dk` }, { emails: [`${'a'.repeat(130)}@b.dk`], customerIds: [], visitorIds: [] }],
    [{ visitorId: ' vis-1 ' }, { emails: [], customerIds: [], visitorIds: ['vis-1'] }],
    [{ idOrEmail: null, visitorId: 'Vis@X.dk' }, { emails: [], customerIds: [], visitorIds: ['Vis@X.dk'] }],
  ])('parses %j', (input, expected) => {
    expect(parsePerson(input)).toEqual(expected);
  });

  it.each([
    [{}, /exactly one of `idOrEmail` or `visitorId`/],
    [{ idOrEmail: null, visitorId: null }, /exactly one/],
    [{ idOrEmail: 'a@b.dk', visitorId: 'v1' }, /exactly one/],
    [{ idOrEmail: '' }, /`idOrEmail` must be/],
    [{ idOrEmail: 'two words' }, /`idOrEmail` must be/],
    [{ idOrEmail: `${'a'.repeat(250)}@example.com` }, /`idOrEmail` is longer than 254/],
    [{ visitorId: '  ' }, /`visitorId` must be/],
    [{ visitorId: 'v'.repeat(129) }, /`visitorId` is longer than 128/],
  ])('refuses %j, naming the argument', (input, message) => {
    let err: unknown;
    try {
      parsePerson(input);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ message: expect.stringMatching(message), extensions: { code: 'BAD_USER_INPUT' } });
  });
});
