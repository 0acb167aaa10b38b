/**
 * A small tmpfs the disk-full tests mount for a data dir, with a filler file to use up its space. Mounting needs
 * root (or CAP_SYS_ADMIN): where it is refused (EPERM) `mountTmpfs` returns the reason to skip with instead.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, open, rm, rmdir, statfs, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Tmpfs {
  dir: string;
  /** Fills the file system with a filler file, leaving about `leaveBytes` (whole pages) free. */
  fill(leaveBytes?: number): Promise<void>;
  /** Deletes the filler: the space returns. */
  free(): Promise<void>;
  freeBytes(): Promise<number>;
  remount(mode: 'ro' | 'rw'): Promise<void>;
  /**
   * Mounts `dir` read-only over itself while a process has files open in it (remounting the tmpfs itself read-only
   * is refused then: EBUSY). Files opened before keep working; every new file, rename or removal gets EROFS.
   * Returns the undo (unmounts the overlay: writable again).
   */
  bindReadOnly(dir: string): Promise<() => Promise<void>>;
  /** Unmounts and removes the mount point (call after stopping everything that uses it). */
  cleanup(): Promise<void>;
}

export async function mountTmpfs(sizeBytes: number): Promise<Tmpfs | { skip: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'apogee-tmpfs-'));
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', dir]);
  } catch (err) {
    await rmdir(dir).catch(() => undefined);
    const text = `${(err as Error).message} ${(err as { stderr?: string }).stderr ?? ''}`;
    if (/permission denied|not permitted|must be superuser|EPERM|ENOENT/i.test(text)) {
      return { skip: `cannot mount a tmpfs here (${text.trim().split('\n')[0]}); the full-disk test needs root or CAP_SYS_ADMIN` };
    }
    throw err;
  }
  const filler = join(dir, 'filler');
  const overlays: Array<() => Promise<void>> = [];
  const freeBytes = async (): Promise<number> => {
    const s = await statfs(dir);
    return s.bavail * s.bsize;
  };
  return {
    dir,
    freeBytes,
    async fill(leaveBytes = 0): Promise<void> {
      const h = await open(filler, 'a');
      const chunk = Buffer.alloc(64 * 1024);
      try {
        for (;;) {
          const room = (await freeBytes()) - leaveBytes;
          if (room <= 0) break;
          try {
            await h.write(chunk, 0, Math.min(chunk.length, room));
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
            throw err;
          }
        }
      } finally {
        await h.close();
      }
    },
    async free(): Promise<void> {
      await unlink(filler).catch(() => undefined);
    },
    async remount(mode): Promise<void> {
      await run('mount', ['-o', `remount,${mode}`, dir]);
    },
    async bindReadOnly(sub: string): Promise<() => Promise<void>> {
      await run('mount', ['--bind', sub, sub]);
      try {
        await run('mount', ['-o', 'remount,bind,ro', sub]);
      } catch (err) {
        await run('umount', [sub]);
        throw err;
      }
      let undone = false;
      const undo = async (): Promise<void> => {
        if (undone) return;
        undone = true;
        await run('umount', [sub]);
      };
      overlays.push(undo);
      return undo;
    },
    async cleanup(): Promise<void> {
      for (const undo of overlays.splice(0)) await undo().catch(() => undefined);
      await run('umount', [dir]).catch(() => run('umount', ['-l', dir]));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
