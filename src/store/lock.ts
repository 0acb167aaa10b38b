/**
 * One live store per data dir: a `lock` file holding the owner's pid, created exclusively. A lock whose pid is
 * no longer running (a crashed broker) is taken over; a live one is refused with a clear error. Within one process
 * a set of held dirs catches a second open of the same dir.
 */
import { readFileSync, realpathSync, unlinkSync, writeFileSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError, StoreErrorCode } from './errors.js';
import type { Logger } from '../util/logger.js';

export const LOCK_FILE = 'lock';

const heldInThisProcess = new Set<string>();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface DirLock {
  release(): Promise<void>;
}

export function acquireDirLock(dataDir: string, logger: Logger): DirLock {
  const key = realpathSync(dataDir);
  const path = join(dataDir, LOCK_FILE);
  if (heldInThisProcess.has(key)) {
    throw new StoreError(StoreErrorCode.LOCKED, `data dir ${dataDir} is already open by another store in this process`);
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx' });
      heldInThisProcess.add(key);
      let released = false;
      return {
        release: async (): Promise<void> => {
          if (released) return;
          released = true;
          heldInThisProcess.delete(key);
          await unlink(path).catch(() => undefined);
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let owner = NaN;
    try {
      owner = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    } catch {
      // Unreadable or vanished: treat as stale and retry.
    }
    // Our own pid but not held by a store in this process: left by a store that was abandoned without close.
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
      throw new StoreError(
        StoreErrorCode.LOCKED,
        `data dir ${dataDir} is in use by process ${owner} (lock file ${path}); stop that process first, ` +
          'or delete the lock file if you are sure no store uses the directory',
      );
    }
    logger.warn({ lockFile: path, stalePid: Number.isNaN(owner) ? null : owner }, 'store: taking over a stale lock');
    try {
      unlinkSync(path);
    } catch (err) {
      // ENOENT: someone else removed it first; the exclusive create decides. Anything else (EROFS) is the cause.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  throw new StoreError(StoreErrorCode.LOCKED, `data dir ${dataDir}: could not take the lock file ${path}`);
}
