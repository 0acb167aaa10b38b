/**
 * A binary min-heap whose items remember their own position, so any item can be removed in O(log n) (a recalled
 * timer leaves at once instead of lingering as garbage until its time). One item may sit in several heaps as long
 * as each heap uses its own position slot.
 */
export interface HeapSlot<T> {
  get(item: T): number;
  set(item: T, index: number): void;
}

export class IndexedHeap<T> {
  private readonly items: T[] = [];

  constructor(
    private readonly less: (a: T, b: T) => boolean,
    private readonly slot: HeapSlot<T>,
  ) {}

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  has(item: T): boolean {
    const i = this.slot.get(item);
    return i >= 0 && i < this.items.length && this.items[i] === item;
  }

  push(item: T): void {
    this.items.push(item);
    const i = this.items.length - 1;
    this.slot.set(item, i);
    this.up(i);
  }

  pop(): T | undefined {
    const top = this.items[0];
    if (top !== undefined) this.removeAt(0);
    return top;
  }

  /** Removes `item` if it is in this heap; returns whether it was. */
  remove(item: T): boolean {
    if (!this.has(item)) return false;
    this.removeAt(this.slot.get(item));
    return true;
  }

  private removeAt(i: number): void {
    const items = this.items;
    const removed = items[i] as T;
    const last = items.pop() as T;
    this.slot.set(removed, -1);
    if (i === items.length) return;
    items[i] = last;
    this.slot.set(last, i);
    // The moved item may belong higher or lower than the hole it filled.
    if (!this.up(i)) this.down(i);
  }

  /** Returns true when the item moved. */
  private up(i: number): boolean {
    const items = this.items;
    const item = items[i] as T;
    let moved = false;
    while (i > 0) {
      const parentIdx = (i - 1) >> 1;
      const parent = items[parentIdx] as T;
      if (!this.less(item, parent)) break;
      items[i] = parent;
      this.slot.set(parent, i);
      i = parentIdx;
      moved = true;
    }
    items[i] = item;
    this.slot.set(item, i);
    return moved;
  }

  private down(i: number): void {
    const items = this.items;
    const n = items.length;
    const item = items[i] as T;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let child = l;
      if (r < n && this.less(items[r] as T, items[l] as T)) child = r;
      const c = items[child] as T;
      if (!this.less(c, item)) break;
      items[i] = c;
      this.slot.set(c, i);
      i = child;
    }
    items[i] = item;
    this.slot.set(item, i);
  }
}
