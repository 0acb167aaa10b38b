/**
 * Atomic file replacement: write a temp file, fsync it, rename it over the old one, fsync the directory entry. A
 * crash leaves either the old or the new file, never half of one. `mode` (e.g. 0o600 for files holding secrets)
 * is set on the temp file before any content is written, so the content is never readable by others.
 */
import { mkdir, open, rename } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export async function writeAtomically(path: string, content: string, mode?: number): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.tmp`);
  const fh = await open(tmp, 'w', mode);
  try {
    if (mode !== undefined) await fh.chmod(mode); // a leftover temp file from a crash keeps its old mode otherwise
    await fh.writeFile(content, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  // The rename itself must survive a crash: sync the directory entry.
  const dh = await open(dir, 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}
