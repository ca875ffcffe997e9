import { describe, expect, it } from 'vitest';
import { deepCopy } from '#adapters/deep-copy';

describe('deepCopy', () => {
  it('copies nested plain records so that changing the copy leaves the original as it was', () => {
    const original = { id: 'c1', tags: ['a', { x: 1 }], nested: { list: [1, 2], kept: undefined as number | undefined } };
    const copy = deepCopy(original);
    expect(copy).toStrictEqual(original);
    copy.tags.push('b');
    (copy.tags[1] as { x: number }).x = 2;
    copy.nested.list[0] = 9;
    expect(original).toStrictEqual({ id: 'c1', tags: ['a', { x: 1 }], nested: { list: [1, 2], kept: undefined } });
    expect('kept' in copy.nested).toBe(true);
  });

  it('copies dates, maps and sets as structuredClone does', () => {
    const original = { at: new Date('2026-03-01T00:00:00Z'), seen: new Set(['a']), by: new Map([['k', { n: 1 }]]) };
    const copy = deepCopy(original);
    expect(copy).toStrictEqual(structuredClone(original));
    expect(copy.at).not.toBe(original.at);
    copy.by.get('k')!.n = 2;
    expect(original.by.get('k')!.n).toBe(1);
  });

  it('fails on a function as structuredClone does', () => {
    expect(() => deepCopy({ f: () => 1 })).toThrow();
  });
});
