/**
 * Small JSON metadata files written atomically (temp file + fsync + rename + directory fsync), so a crash while
 * writing leaves either the old or the new file, never half of one. Writes to one file are serialized and
 * coalesced: while one write is in flight, later snapshots replace each other and only the newest is written.
 */
import { readFile, rm } from 'node:fs/promises';
import { writeAtomically } from '../util/atomic-file.js';

export class MetadataFile<T> {
  private writing: Promise<void> | undefined;
  private next: (() => T) | undefined;
  private nextWaiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];

  /**
   * `version`: the format version this code reads; a file with another `version` field is refused at load.
   * `check`: returns the content when its shape is right, throws naming what is wrong otherwise.
   */
  constructor(
    readonly path: string,
    private readonly version?: number,
    private readonly check?: (data: unknown) => T,
  ) {}

  /** Reads the file; undefined when it does not exist. A leftover temp file from a crash is ignored. */
  async load(): Promise<T | undefined> {
    let data: unknown;
    try {
      data = JSON.parse(await readFile(this.path, 'utf8'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new Error(`cannot read metadata file ${this.path}: ${(err as Error).message}`);
    }
    const found = typeof data === 'object' && data !== null ? (data as { version?: unknown }).version : undefined;
    if (this.version !== undefined && found !== this.version) {
      // Never guess at a layout this code does not know: a newer broker may have written it.
      throw new Error(`metadata file ${this.path} has format version ${String(found)}; this Apogee reads version ${this.version}`);
    }
    if (!this.check) return data as T;
    try {
      return this.check(data);
    } catch (err) {
      throw new Error(`metadata file ${this.path} is damaged (${(err as Error).message}); restore it from a backup or remove it to start without it`);
    }
  }

  /** Persists the value `snapshot()` returns at write time; resolves when it (or a newer one) is durable. */
  save(snapshot: () => T): Promise<void> {
    this.next = snapshot;
    const done = new Promise<void>((resolve, reject) => this.nextWaiters.push({ resolve, reject }));
    if (!this.writing) this.writing = this.drain();
    return done;
  }

  private async drain(): Promise<void> {
    while (this.next) {
      const snap = this.next;
      const waiters = this.nextWaiters;
      this.next = undefined;
      this.nextWaiters = [];
      try {
        await writeAtomically(this.path, JSON.stringify(snap(), null, 1));
        for (const w of waiters) w.resolve();
      } catch (err) {
        for (const w of waiters) w.reject(err);
      }
    }
    this.writing = undefined;
  }
}

/**
 * Awaits a save of a change already made in memory; when the save fails (a full or read-only disk), `undo` takes
 * the change back, so the broker never serves what its file does not hold (the caller got an error for it).
 */
export async function savedOrUndone(save: Promise<void>, undo: () => void): Promise<void> {
  try {
    await save;
  } catch (err) {
    undo();
    throw err;
  }
}

export async function removeFile(path: string): Promise<void> {
  await rm(path, { force: true });
}
