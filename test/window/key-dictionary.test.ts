import { describe, expect, it } from 'vitest';
import { KeyDictionary } from '../../src/window/key-dictionary.ts';

describe('KeyDictionary', () => {
  it('assigns ids from 0 in order of first sight, the same id for the same key', () => {
    const dict = new KeyDictionary();
    expect([dict.id('a'), dict.id('b'), dict.id('a'), dict.id(3), dict.id('3')]).toEqual([0, 1, 0, 2, 3]);
    expect(dict.size).toBe(4);
  });

  it('keeps the key in the form it was first seen', () => {
    const dict = new KeyDictionary();
    const first = { user: 'u1', page: '/a' };
    const keys: unknown[] = ['x', 7, true, null, first, ['a', 1]];
    const ids = keys.map((key) => dict.id(key));
    expect(ids.map((id) => dict.key(id))).toEqual(keys);
    expect(dict.key(dict.id({ user: 'u1', page: '/a' }))).toBe(first);
    expect(typeof dict.key(dict.id(7))).toBe('number');
  });

  it('object keys are equal by their JSON', () => {
    const dict = new KeyDictionary();
    const id = dict.id({ user: 'u1' });
    expect(dict.id({ user: 'u1' })).toBe(id);
    expect(dict.id(['u1'])).not.toBe(id);
    expect(dict.id({ user: 'u2' })).not.toBe(id);
    expect(dict.size).toBe(3);
  });

  it('a key lives while retained and is freed by its last release', () => {
    const dict = new KeyDictionary();
    const id = dict.id('a');
    dict.id('b');
    dict.retain(id);
    dict.retain(id);
    dict.release(id);
    expect(dict.size).toBe(2);
    expect(dict.key(id)).toBe('a');
    expect(dict.id('a')).toBe(id);
    dict.release(id);
    expect(dict.size).toBe(1);
    expect(dict.key(id)).toBeUndefined();
  });

  it('reuses freed ids for new keys', () => {
    const dict = new KeyDictionary();
    const a = dict.id('a');
    const b = dict.id('b');
    dict.retain(a);
    dict.retain(b);
    dict.release(a);
    const c = dict.id('c');
    expect(c).toBe(a);
    expect(dict.key(c)).toBe('c');
    expect(dict.key(b)).toBe('b');
    // 'a' comes back as a new key with the next id.
    expect(dict.id('a')).toBe(2);
  });

  it('ids stay bounded by the live keys across many retain/release cycles', () => {
    const dict = new KeyDictionary();
    for (let round = 0; round < 5; round++) {
      const ids = Array.from({ length: 100 }, (_, i) => dict.id(`r${round}-k${i}`));
      expect(new Set(ids).size).toBe(100);
      expect(Math.max(...ids)).toBe(99);
      for (const id of ids) dict.retain(id);
      expect(dict.size).toBe(100);
      for (const id of ids) dict.release(id);
      expect(dict.size).toBe(0);
    }
  });

  it('keeps refcounts past its first 64 ids', () => {
    const dict = new KeyDictionary();
    const ids = Array.from({ length: 200 }, (_, i) => dict.id(i));
    for (const id of ids) {
      dict.retain(id);
      dict.retain(id);
    }
    for (const id of ids) dict.release(id);
    expect(dict.size).toBe(200);
    expect(dict.key(150)).toBe(150);
    for (const id of ids) dict.release(id);
    expect(dict.size).toBe(0);
  });
});
