/**
 * `store.meta`: the data dir's format version and the layout parameters its files were written with (segment
 * size, consume-queue entries per file). Written once, atomically; the stored values win over options on reopen,
 * since existing files can only be read with them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError, StoreErrorCode } from './errors.js';
import { writeFileAtomicSync } from './file-util.js';
import { FORMAT_VERSION } from './record-codec.js';
import type { Logger } from '../util/logger.js';

export const META_FILE = 'store.meta';

export interface StoreMeta {
  format: 'apogee-store';
  version: number;
  segmentSize: number;
  consumeQueueEntriesPerFile: number;
  createdAt: number;
}

export function loadOrCreateMeta(
  dataDir: string,
  wanted: { segmentSize: number; consumeQueueEntriesPerFile: number },
  hasCommitLog: boolean,
  now: number,
  logger: Logger,
): StoreMeta {
  const path = join(dataDir, META_FILE);
  let text: string | undefined;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (text !== undefined) {
    let meta: StoreMeta;
    try {
      meta = JSON.parse(text) as StoreMeta;
    } catch {
      throw new StoreError(StoreErrorCode.CORRUPT, `${path} is not valid JSON`);
    }
    if (meta.format !== 'apogee-store') throw new StoreError(StoreErrorCode.CORRUPT, `${path} is not an Apogee store meta file`);
    if (meta.version !== FORMAT_VERSION) {
      throw new StoreError(
        StoreErrorCode.BAD_OPTIONS,
        `data dir ${dataDir} has store format version ${meta.version} (${path}); this build reads version ${FORMAT_VERSION}`,
      );
    }
    for (const k of ['segmentSize', 'consumeQueueEntriesPerFile'] as const) {
      if (!Number.isSafeInteger(meta[k]) || meta[k] <= 0) throw new StoreError(StoreErrorCode.CORRUPT, `${path}: bad ${k}`);
      if (meta[k] !== wanted[k]) {
        logger.warn({ option: k, requested: wanted[k], stored: meta[k] }, 'store: using the value the data dir was created with');
      }
    }
    return meta;
  }
  if (hasCommitLog) {
    logger.warn({ path }, 'store: meta file missing next to an existing commit log; recreating it from the options');
  }
  const meta: StoreMeta = { format: 'apogee-store', version: FORMAT_VERSION, ...wanted, createdAt: now };
  writeFileAtomicSync(path, dataDir, JSON.stringify(meta, null, 2) + '\n');
  return meta;
}
