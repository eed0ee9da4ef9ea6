import { decodeCursor, encodeCursor, MAX_PAGE_SIZE, pageRequest } from '../../src/services/pagination/cursor';

describe('cursors and page sizes', () => {
  it('round-trips keyset positions', () => {
    const at = new Date('2026-01-02T03:04:05.678Z');
    expect(decodeCursor(encodeCursor({ at, id: 'o1' }), true)).toEqual({ at, id: 'o1' });
    expect(decodeCursor(encodeCursor({ id: 'c9' }), false)).toEqual({ id: 'c9' });
  });

  it.each([['garbage'], [''], [Buffer.from('[1,2]').toString('base64url')], [encodeCursor({ id: 'c9' })]])('rejects %j as a time cursor', (c) => {
    expect(() => decodeCursor(c, true)).toThrow(expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT' } }));
  });

  it.each([[-1], [MAX_PAGE_SIZE + 1], [1.5]])('rejects first = %p', (n) => {
    expect(() => pageRequest(n, null, false)).toThrow(expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT' } }));
  });

  it('defaults to 20', () => {
    expect(pageRequest(undefined, undefined, false)).toEqual({ first: 20, after: null });
  });
});
