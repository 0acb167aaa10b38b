/**
 * Undo steps that must run on every path — the reference stopped, Redis's settings restored, child brokers
 * stopped — also when the run is interrupted (SIGINT/SIGTERM) or a row throws.
 */
const steps = new Map<number, () => Promise<void>>();
let nextId = 0;

/** Registers `undo`; the returned function runs it once (and unregisters it). */
export function onCleanup(undo: () => Promise<void>): () => Promise<void> {
  const id = nextId++;
  let done: Promise<void> | undefined;
  const run = (): Promise<void> => {
    steps.delete(id);
    return (done ??= undo().catch((err: unknown) => {
      process.stderr.write(`bench: cleanup failed: ${(err as Error).message}\n`);
    }));
  };
  steps.set(id, run);
  return run;
}

/** Runs every registered step, newest first. */
export async function cleanupAll(): Promise<void> {
  for (const run of [...steps.values()].reverse()) await run();
}

/** On a signal or an error nobody caught (a consumer loop's, say): undo, then exit. */
export function cleanupOnSignals(): void {
  const fatal = (err: unknown): void => {
    process.stderr.write(`bench: uncaught ${(err as Error)?.stack ?? String(err)}\n`);
    void cleanupAll().finally(() => process.exit(1));
  };
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      process.stderr.write(`bench: ${sig}, cleaning up\n`);
      void cleanupAll().finally(() => process.exit(130));
    });
  }
}
