/** Small file helpers shared by the store's parts (durable renames, directory fsync, offset file names). */
import { constants } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { closeSync, fsyncSync, openSync, renameSync, writeFileSync } from 'node:fs';

/** 20-digit zero-padded decimal, RocketMQ's file-name form for offsets. */
export function offsetName(offset: number): string {
  return String(offset).padStart(20, '0');
}

/** Parses a 20-digit offset file name; undefined for anything else (temp files, foreign files). */
export function parseOffsetName(name: string): number | undefined {
  if (!/^\d{20}$/.test(name)) return undefined;
  const n = Number(name);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Makes a directory's entries (new, renamed or deleted files) durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const h = await open(dir, constants.O_RDONLY);
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

export function fsyncDirSync(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes `data` to `path` so a crash leaves either the old or the new content: temp file, fsync, rename, dir fsync. */
export async function writeFileAtomic(path: string, dir: string, data: Uint8Array | Uint8Array[]): Promise<void> {
  const tmp = `${path}.tmp`;
  const h = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o644);
  try {
    const parts = Array.isArray(data) ? data : [data];
    let pos = 0;
    for (const p of parts) {
      let done = 0;
      while (done < p.byteLength) {
        const { bytesWritten } = await h.write(p, done, p.byteLength - done, pos);
        done += bytesWritten;
        pos += bytesWritten;
      }
    }
    await h.datasync();
  } finally {
    await h.close();
  }
  await rename(tmp, path);
  await fsyncDir(dir);
}

export async function pathExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

export async function removeIfExists(path: string): Promise<void> {
  await rm(path, { force: true, recursive: true });
}

/** Writes all of `len` bytes of `buf` at `position` (FileHandle.write may write less than asked). */
export async function writeFully(
  h: import('node:fs/promises').FileHandle,
  buf: Uint8Array,
  offset: number,
  len: number,
  position: number,
): Promise<void> {
  let done = 0;
  while (done < len) {
    const { bytesWritten } = await h.write(buf, offset + done, len - done, position + done);
    if (bytesWritten <= 0) throw new Error(`short write at position ${position + done}`);
    done += bytesWritten;
  }
}

/** Reads up to `len` bytes at `position`; returns how many were read (less only at end of file). */
export async function readFully(
  h: import('node:fs/promises').FileHandle,
  buf: Uint8Array,
  offset: number,
  len: number,
  position: number,
): Promise<number> {
  let done = 0;
  while (done < len) {
    const { bytesRead } = await h.read(buf, offset + done, len - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}

/** Sync variant of writeFileAtomic for open-time writes. */
export function writeFileAtomicSync(path: string, dir: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w', 0o644);
  try {
    writeFileSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  fsyncDirSync(dir);
}
