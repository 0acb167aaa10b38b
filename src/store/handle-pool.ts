/**
 * A bounded cache of open FileHandles with reference counts, so reads of many segments and consume-queue files
 * neither reopen files per read nor hold an unbounded number of descriptors, and a handle is never closed while
 * an operation on it is in flight.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

interface Entry {
  path: string;
  opening: Promise<FileHandle>;
  handle: FileHandle | undefined;
  refs: number;
  /** Removed from the map (evicted or invalidated): close once the last lease is released. */
  detached: boolean;
}

export interface Lease {
  readonly handle: FileHandle;
  release(): void;
}

export class HandlePool {
  /** Insertion order doubles as LRU order (re-inserted on use). */
  private readonly entries = new Map<string, Entry>();
  private closed = false;

  constructor(private readonly capacity: number) {}

  /** Opens read-write; `create` also creates a missing file (writers only, so a read never makes a file). */
  async acquire(path: string, create = false): Promise<Lease> {
    if (this.closed) throw new Error('handle pool is closed');
    let e = this.entries.get(path);
    if (e) {
      this.entries.delete(path);
      this.entries.set(path, e);
    } else {
      const entry: Entry = { path, opening: open(path, create ? constants.O_RDWR | constants.O_CREAT : constants.O_RDWR, 0o644), handle: undefined, refs: 0, detached: false };
      e = entry;
      this.entries.set(path, entry);
      entry.opening.then(
        (h) => {
          entry.handle = h;
        },
        () => {
          if (this.entries.get(path) === entry) this.entries.delete(path);
        },
      );
      this.evict();
    }
    e.refs++;
    const entry = e;
    let handle: FileHandle;
    try {
      handle = await entry.opening;
    } catch (err) {
      entry.refs--;
      throw err;
    }
    let released = false;
    return {
      handle,
      release: (): void => {
        if (released) return;
        released = true;
        entry.refs--;
        if (entry.refs === 0 && entry.detached) void this.closeEntry(entry);
      },
    };
  }

  /** Forget a path (deleted file): its handle closes once unused. */
  invalidate(path: string): void {
    const e = this.entries.get(path);
    if (!e) return;
    this.entries.delete(path);
    this.detach(e);
  }

  /** Forget every path under a directory prefix. */
  invalidatePrefix(prefix: string): void {
    for (const [p, e] of [...this.entries]) {
      if (p.startsWith(prefix)) {
        this.entries.delete(p);
        this.detach(e);
      }
    }
  }

  get size(): number {
    return this.entries.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map(async (e) => {
      e.detached = true;
      if (e.refs === 0) await this.closeEntry(e);
    }));
  }

  private evict(): void {
    if (this.entries.size <= this.capacity) return;
    for (const [p, e] of this.entries) {
      if (this.entries.size <= this.capacity) break;
      if (e.refs > 0) continue;
      this.entries.delete(p);
      this.detach(e);
    }
  }

  private detach(e: Entry): void {
    e.detached = true;
    if (e.refs === 0) void this.closeEntry(e);
  }

  private async closeEntry(e: Entry): Promise<void> {
    try {
      const h = await e.opening;
      await h.close();
    } catch {
      // Opening failed or already closed: nothing to release.
    }
  }
}
