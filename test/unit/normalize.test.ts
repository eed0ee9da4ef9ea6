import { normalizeEmail, parseSubject } from '../../src/services/subject/normalize';

describe('e-mail normalization', () => {
  it.each([
    ['  Anna@Example.DK ', 'anna@example.dk'],
    ['JOSÉ@EXAMPLE.COM', 'josé@example.com'],
    ['jоse@example.com', 'jоse@example.com'], // Cyrillic о stays Cyrillic
    ['a+tag@sub.example.co.uk', 'a+tag@sub.example.co.uk'],
  ])('canonicalizes %j to %j', (raw, expected) => {
    expect(normalizeEmail(raw)).toBe(expected);
  });

  it.each([[''], ['   '], ['no-at-sign'], ['a@b'], ['a b@c.dk'], ['a@@b.dk'], [`${'a'.repeat(250)}@b.dk`], ['a\u0000@b.dk']])('rejects %j', (raw) => {
    expect(normalizeEmail(raw)).toBeNull();
  });

  it('keeps accented and look-alike addresses distinct', () => {
    const forms = ['jose@x.com', 'josé@x.com', 'jоse@x.com'].map(normalizeEmail);
    expect(new Set(forms).size).toBe(3);
  });
});

describe('subjects', () => {
  it.each([
    ['C123', { kind: 'id', id: 'C123' }],
    [' C123 ', { kind: 'id', id: 'C123' }],
    ['A@B.dk', { kind: 'email', email: 'a@b.dk' }],
    ['two words', null],
    ['', null],
  ])('parses %j', (raw, expected) => {
    expect(parseSubject(raw)).toEqual(expected);
  });
});
