/** Files that hold secrets: read, and replaced atomically with mode 0600 (never readable by others, not even for a moment). */
import { readFile } from 'node:fs/promises';
import { writeAtomically } from '../util/atomic-file.js';

export async function readSecretFile(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read ${path}: ${(err as Error).message}`);
  }
}

export function writeSecretFile(path: string, content: string): Promise<void> {
  return writeAtomically(path, content, 0o600);
}
