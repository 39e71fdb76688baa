import { describe, expect, it } from 'vitest';
import { type Layout, PaneTable } from '../../src/window/pane-table.ts';
import { random } from '../support/random.ts';

/** The home slot of `id` in a table of 2^bits slots: where it lands in an empty table. */
function home(id: number, bits: number): number {
  return new PaneTable('count', bits).slot(id);
}

/** The first `count` ids from 0 up whose home is `slot`. */
function idsWithHome(slot: number, bits: number, count: number): number[] {
  const ids: number[] = [];
  for (let id = 0; ids.length < count; id++) if (home(id, bits) === slot) ids.push(id);
  return ids;
}

/** Occupied slots in order, as `[slot, id]`. */
function occupied(table: PaneTable): [number, number][] {
  const out: [number, number][] = [];
  table.each((id, slot) => out.push([slot, id]));
  return out;
}

/**
 * The invariant `find` relies on without tombstones: every slot from an entry's home up to the
 * entry (cyclically) is occupied.
 */
function probeRunHoles(table: PaneTable, bits: number): number[] {
  const holes: number[] = [];
  const mask = table.capacity - 1;
  table.each((id, slot) => {
    for (let at = home(id, bits); at !== slot; at = (at + 1) & mask) {
      if (table.keys[at] === -1) holes.push(id);
    }
  });
  return holes;
}

describe('PaneTable', () => {
  it('inserts with count 0, finds, and reports absent ids as -1', () => {
    const table = new PaneTable('number');
    const slot = table.slot(7);
    expect(table.counts[slot]).toBe(0);
    table.counts[slot] = 3;
    table.numbers[slot] = 42;
    expect(table.slot(7)).toBe(slot);
    expect(table.find(7)).toBe(slot);
    expect(table.find(8)).toBe(-1);
    expect(table.size).toBe(1);
    expect(occupied(table)).toEqual([[slot, 7]]);
  });

  it('delete of an absent id changes nothing', () => {
    const table = new PaneTable('count');
    table.counts[table.slot(1)] = 5;
    table.delete(2);
    expect(table.size).toBe(1);
    expect(table.counts[table.find(1)]).toBe(5);
  });

  it('colliding ids fill one probe run; deletes in the middle shift the rest back', () => {
    const bits = 6;
    const ids = idsWithHome(20, bits, 10);
    const table = new PaneTable('object', bits);
    for (const id of ids) {
      const slot = table.slot(id);
      table.counts[slot] = id + 1;
      table.objects[slot] = `v${id}`;
    }
    expect(occupied(table)).toEqual(ids.map((id, at) => [20 + at, id]));
    const [a, b, c, d, ...rest] = ids as [number, number, number, number, ...number[]];
    table.delete(c);
    table.delete(a);
    const left = [b, d, ...rest];
    expect(table.size).toBe(8);
    expect(occupied(table)).toEqual(left.map((id, at) => [20 + at, id]));
    for (const id of left) {
      const slot = table.find(id);
      expect(table.counts[slot]).toBe(id + 1);
      expect(table.objects[slot]).toBe(`v${id}`);
    }
    expect(table.find(a)).toBe(-1);
    expect(table.find(c)).toBe(-1);
    // The freed slots at the end of the run are clean for the next insert.
    expect(table.counts[28]).toBe(0);
    expect(table.objects[28]).toBeUndefined();
    expect(table.counts[table.slot(a)]).toBe(0);
  });

  it('a run that wraps past the last slot shifts back across slot 0', () => {
    const bits = 5;
    const last = (1 << bits) - 1;
    const wrapping = idsWithHome(last, bits, 4);
    const atZero = idsWithHome(0, bits, 2);
    const table = new PaneTable('number', bits);
    // Slots: 31 w0 | 0 w1 | 1 w2 | 2 w3 | 3 z0 | 4 z1 (z* have home 0 but sit behind the wrap).
    for (const id of [...wrapping, ...atZero]) table.numbers[table.slot(id)] = id * 10;
    expect(occupied(table).map(([, id]) => id)).toEqual([
      wrapping[1],
      wrapping[2],
      wrapping[3],
      atZero[0],
      atZero[1],
      wrapping[0],
    ]);
    table.delete(wrapping[0] as number);
    expect(probeRunHoles(table, bits)).toEqual([]);
    expect(table.find(wrapping[1] as number)).toBe(last);
    expect(table.find(atZero[0] as number)).toBe(2);
    table.delete(wrapping[2] as number);
    expect(probeRunHoles(table, bits)).toEqual([]);
    expect(occupied(table)).toEqual([
      [0, wrapping[3]],
      [1, atZero[0]],
      [2, atZero[1]],
      [last, wrapping[1]],
    ]);
    for (const id of [wrapping[1], wrapping[3], ...atZero] as number[]) {
      expect(table.numbers[table.find(id)]).toBe(id * 10);
    }
  });

  it('an entry with home 0 at slot 0 is not moved back to the last slot', () => {
    const bits = 5;
    const last = (1 << bits) - 1;
    const [w] = idsWithHome(last, bits, 1) as [number];
    const [z] = idsWithHome(0, bits, 1) as [number];
    const table = new PaneTable('count', bits);
    table.counts[table.slot(w)] = 1;
    table.counts[table.slot(z)] = 2;
    expect(occupied(table)).toEqual([
      [0, z],
      [last, w],
    ]);
    table.delete(w);
    expect(occupied(table)).toEqual([[0, z]]);
    expect(table.counts[0]).toBe(2);
    expect(table.find(z)).toBe(0);
  });

  it('an entry at its home stays when the run before it shifts back', () => {
    const bits = 6;
    const [x1, x2, x3] = idsWithHome(10, bits, 3) as [number, number, number];
    const [y1] = idsWithHome(13, bits, 1) as [number];
    const table = new PaneTable('count', bits);
    // 10 x1 | 11 x2 | 12 x3 | 13 y1: deleting x2 moves x3 back, y1 stays at its home.
    for (const id of [x1, x2, x3, y1]) table.counts[table.slot(id)] = id;
    table.delete(x2);
    expect(occupied(table)).toEqual([
      [10, x1],
      [11, x3],
      [13, y1],
    ]);
    expect(table.counts[11]).toBe(x3);
    expect(table.counts[12]).toBe(0);
  });

  it.each<[Layout, number]>([
    ['count', 1],
    ['number', 2],
    ['object', 3],
  ])('%s layout matches a Map model over a seeded random sequence (seed %i)', (layout, seed) => {
    const next = random(seed);
    const bits = 4;
    // Few distinct ids, half of them sharing one home, so runs collide and deletes land mid-run.
    const pool = [...idsWithHome(5, bits, 24), ...Array.from({ length: 40 }, (_, i) => 1000 + i * 7)];
    type Entry = { count: number; number: number; object: string };
    const model = new Map<number, Entry>();
    const table = new PaneTable(layout, bits);
    const column = (slot: number): number | string =>
      layout === 'number'
        ? (table.numbers[slot] as number)
        : layout === 'object'
          ? (table.objects[slot] as string)
          : 0;
    const expected = (entry: Entry): number | string =>
      layout === 'number' ? entry.number : layout === 'object' ? entry.object : 0;
    for (let step = 0; step < 3000; step++) {
      const id = pool[Math.floor(next() * pool.length)] as number;
      if (next() < 0.55) {
        const slot = table.slot(id);
        const entry = model.get(id) ?? { count: 0, number: 0, object: '' };
        expect(table.counts[slot]).toBe(entry.count);
        entry.count++;
        entry.number += id;
        entry.object += `${step},`;
        model.set(id, entry);
        table.counts[slot] = entry.count;
        if (layout === 'number') table.numbers[slot] = entry.number;
        if (layout === 'object') table.objects[slot] = entry.object;
      } else {
        table.delete(id);
        model.delete(id);
      }
      const actual = pool.map((candidate) => {
        const slot = table.find(candidate);
        return slot < 0 ? [candidate, 'absent'] : [candidate, table.counts[slot], column(slot)];
      });
      const wanted = pool.map((candidate) => {
        const entry = model.get(candidate);
        return entry ? [candidate, entry.count, expected(entry)] : [candidate, 'absent'];
      });
      expect(actual).toEqual(wanted);
      expect(table.size).toBe(model.size);
    }
    expect(probeRunHoles(table, Math.log2(table.capacity))).toEqual([]);
    const seen: number[] = [];
    table.each((id) => seen.push(id));
    expect(seen.sort((a, b) => a - b)).toEqual([...model.keys()].sort((a, b) => a - b));
  });

  it('grows past a load of 0.7 and keeps every slot’s counts, numbers and objects', () => {
    const numbers = new PaneTable('number');
    const objects = new PaneTable('object');
    for (let id = 0; id < 11; id++) {
      numbers.slot(id);
      objects.slot(id);
    }
    expect(numbers.capacity).toBe(16);
    for (let id = 0; id < 100; id++) {
      const n = numbers.slot(id);
      numbers.counts[n] = id + 1;
      numbers.numbers[n] = id * 1.5;
      const o = objects.slot(id);
      objects.counts[o] = id + 2;
      objects.objects[o] = { id };
    }
    // 16 → 32 at the 12th key, 64 at the 23rd, 128 at the 45th, 256 at the 90th.
    expect(numbers.capacity).toBe(256);
    expect(objects.capacity).toBe(256);
    expect(numbers.size).toBe(100);
    expect(objects.size).toBe(100);
    for (let id = 0; id < 100; id++) {
      const n = numbers.find(id);
      expect([numbers.counts[n], numbers.numbers[n]]).toEqual([id + 1, id * 1.5]);
      const o = objects.find(id);
      expect([objects.counts[o], objects.objects[o]]).toEqual([id + 2, { id }]);
    }
  });

  it('the 12th key of a 16-slot table doubles it', () => {
    const table = new PaneTable('count');
    for (let id = 0; id < 11; id++) table.slot(id);
    expect(table.capacity).toBe(16);
    table.slot(11);
    expect(table.capacity).toBe(32);
    expect(table.size).toBe(12);
  });

  it('bytes counts the columns of its layout and doubles with the table', () => {
    // 16 slots: keys 4 B, counts 8 B, numbers 8 B, object references 8 B each.
    expect(new PaneTable('count').bytes).toBe(16 * 12);
    expect(new PaneTable('number').bytes).toBe(16 * 20);
    expect(new PaneTable('object').bytes).toBe(16 * 20);
    const table = new PaneTable('number');
    for (let id = 0; id < 12; id++) table.slot(id);
    expect(table.bytes).toBe(32 * 20);
  });
});
