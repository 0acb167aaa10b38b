import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IndexedHeap } from '../../../src/broker/timer/indexed-heap.js';

interface Item { v: number; id: number; idx: number }

function heap(): IndexedHeap<Item> {
  return new IndexedHeap<Item>((a, b) => a.v < b.v || (a.v === b.v && a.id < b.id), {
    get: (x) => x.idx,
    set: (x, i) => void (x.idx = i),
  });
}

test('pops in order after random pushes and removals (checked against a sorted array)', () => {
  let seed = 42;
  const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
  const h = heap();
  const live: Item[] = [];
  for (let i = 0; i < 5000; i++) {
    const op = rnd(10);
    if (op < 6 || live.length === 0) {
      const it = { v: rnd(1000), id: i, idx: -1 };
      h.push(it);
      live.push(it);
    } else if (op < 8) {
      const it = live.splice(rnd(live.length), 1)[0] as Item;
      assert.equal(h.remove(it), true);
      assert.equal(h.remove(it), false, 'second removal is a no-op');
      assert.equal(h.has(it), false);
    } else {
      live.sort((a, b) => a.v - b.v || a.id - b.id);
      const expected = live.shift();
      assert.equal(h.pop(), expected);
    }
    assert.equal(h.size, live.length);
  }
  live.sort((a, b) => a.v - b.v || a.id - b.id);
  for (const it of live) assert.equal(h.pop(), it);
  assert.equal(h.pop(), undefined);
  assert.equal(h.peek(), undefined);
});

test('an item can live in two heaps with separate slots', () => {
  interface Two { a: number; b: number; ia: number; ib: number }
  const ha = new IndexedHeap<Two>((x, y) => x.a < y.a, { get: (x) => x.ia, set: (x, i) => void (x.ia = i) });
  const hb = new IndexedHeap<Two>((x, y) => x.b < y.b, { get: (x) => x.ib, set: (x, i) => void (x.ib = i) });
  const items: Two[] = [];
  for (let i = 0; i < 100; i++) items.push({ a: i, b: 100 - i, ia: -1, ib: -1 });
  for (const it of items) { ha.push(it); hb.push(it); }
  assert.equal(ha.peek(), items[0]);
  assert.equal(hb.peek(), items[99]);
  hb.remove(items[99] as Two);
  assert.equal(ha.peek(), items[99 - 99], 'removal from one heap leaves the other intact');
  assert.equal(hb.peek(), items[98]);
  assert.equal(ha.size, 100);
  assert.equal(hb.size, 99);
});
