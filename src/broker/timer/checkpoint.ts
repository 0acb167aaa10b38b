/**
 * The timer checkpoint: where a restart starts replaying. It is only an optimisation of replay length — a stale
 * checkpoint (crash before the latest write) replays more, never less, because both offsets only ever move
 * forward and each value written was a safe lower bound when computed. Written atomically (MetadataFile), after
 * the snapshot file it names (if any) is durable.
 */
import { MetadataFile } from '../metadata-file.js';

export const TIMER_CHECKPOINT_VERSION = 1;

export interface TimerCheckpoint {
  version: number;
  /** Every timer record below this queue offset of the timer topic is finished. */
  timerQueueOffset: number;
  /** Every op record below this queue offset of the op topic finishes a timer below `timerQueueOffset`. */
  opQueueOffset: number;
  /**
   * File (next to this one) listing the timers pending when the checkpoint was taken; replay starts from it
   * plus the log above the two offsets. Absent: nothing below `timerQueueOffset` is pending.
   */
  snapshot?: string;
  snapshotCount?: number;
  /** Wall-clock time of the write (for operators). */
  savedAt: number;
}

export class TimerCheckpointFile {
  private readonly file: MetadataFile<TimerCheckpoint>;

  constructor(readonly path: string) {
    this.file = new MetadataFile<TimerCheckpoint>(path);
  }

  /** The stored checkpoint; undefined when none was written yet. A file of an unknown version is an error. */
  async load(): Promise<TimerCheckpoint | undefined> {
    const raw = await this.file.load();
    if (raw === undefined) return undefined;
    const ok =
      typeof raw === 'object' &&
      raw !== null &&
      raw.version === TIMER_CHECKPOINT_VERSION &&
      Number.isSafeInteger(raw.timerQueueOffset) &&
      raw.timerQueueOffset >= 0 &&
      Number.isSafeInteger(raw.opQueueOffset) &&
      raw.opQueueOffset >= 0 &&
      (raw.snapshot === undefined || (typeof raw.snapshot === 'string' && /^timerSnapshot\.[0-9]+\.bin$/.test(raw.snapshot))) &&
      (raw.snapshot === undefined || (Number.isSafeInteger(raw.snapshotCount) && (raw.snapshotCount as number) >= 0));
    if (!ok) throw new Error(`timer checkpoint ${this.path} is not a version ${TIMER_CHECKPOINT_VERSION} checkpoint`);
    return raw;
  }

  save(snapshot: () => TimerCheckpoint): Promise<void> {
    return this.file.save(snapshot);
  }
}
