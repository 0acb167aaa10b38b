/**
 * Atomic writes of a file that holds secrets: created with mode 0600 (never readable by others, not even for a
 * moment), fsynced, renamed over the old one, and the directory entry fsynced, as the broker's metadata files.
 */
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export async function readSecretFile(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read ${path}: ${(err as Error).message}`);
  }
}

export async function writeSecretFile(path: string, content: string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.tmp`);
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.chmod(0o600); // a leftover temp file from a crash keeps its old mode otherwise
    await fh.writeFile(content, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  const dh = await open(dir, 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}
