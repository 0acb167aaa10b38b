/**
 * Where the SDK tests run: Apogee started in-process (free ports, short transaction check intervals), or, when
 * APOGEE_SDK_NAMESRV=host:port is set, an external name server such as the reference Apache RocketMQ's
 * (`npm run test:sdk-reference`). Topics are made the same way on both, through the SDK's Admin helper.
 * Tests that kill brokers or read Apogee's internals call `apogeeOnly`, which skips them against an external
 * target with the reason printed.
 */
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import type { RunningBroker } from '../../../src/app.js';
import { Admin, type CreateTopicOptions } from '../../../src/client/index.js';
import { silentLogger } from '../../../src/util/logger.js';
import { startInProcessBroker, type InProcessBroker } from '../../helpers/in-process-broker.js';

export const EXTERNAL_NAMESRV = process.env['APOGEE_SDK_NAMESRV'];

export interface SdkTarget {
  namesrvAddr: string;
  /** True against an external name server (the reference). */
  external: boolean;
  /** The in-process Apogee (undefined when external). */
  running: RunningBroker | undefined;
  admin: Admin;
  /** Creates a topic with a unique name (prefix + random) on every broker and returns the name. */
  topic(prefix: string, options?: CreateTopicOptions): Promise<string>;
  close(): Promise<void>;
}

export const unique = (prefix: string): string => `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;

export async function startTarget(): Promise<SdkTarget> {
  let broker: InProcessBroker | undefined;
  let namesrvAddr: string;
  if (EXTERNAL_NAMESRV) namesrvAddr = EXTERNAL_NAMESRV;
  else {
    broker = await startInProcessBroker({ transaction: { checkImmunityMs: 500, checkIntervalMs: 1000, scanIntervalMs: 100, maxChecks: 20 } }, 'apogee-sdk-');
    const ns = broker.running.namesrvEndpoint!;
    namesrvAddr = `${ns.host}:${ns.port}`;
  }
  const admin = new Admin({ namesrvAddr, logger: silentLogger() });
  return {
    namesrvAddr,
    external: EXTERNAL_NAMESRV !== undefined,
    running: broker?.running,
    admin,
    async topic(prefix, options = {}) {
      const name = unique(prefix);
      await admin.createTopic(name, options);
      return name;
    },
    async close() {
      await admin.close();
      await broker?.close();
    },
  };
}

/** Skips (with the reason printed) a test that needs Apogee itself. Returns true when the test must stop. */
export function apogeeOnly(t: TestContext, reason: string): boolean {
  if (!EXTERNAL_NAMESRV) return false;
  const why = `Apogee-only (${reason}); not run against ${EXTERNAL_NAMESRV}`;
  process.stderr.write(`sdk tests: skipping "${t.name}": ${why}\n`);
  t.skip(why);
  return true;
}

export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 15_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Short client intervals so rebalance and offset commits happen within a test's time. */
export const fastClient = { pollNameServerIntervalMs: 1000, heartbeatBrokerIntervalMs: 1000, logger: silentLogger() } as const;
export const fastConsumer = { ...fastClient, rebalanceIntervalMs: 1000, persistConsumerOffsetIntervalMs: 500, brokerSuspendMaxTimeMillis: 2000 } as const;

/** Counts unhandled rejections and uncaught exceptions while a test runs. */
export function watchProcessFailures(): { failures: unknown[]; stop(): void } {
  const failures: unknown[] = [];
  const onRejection = (reason: unknown): void => void failures.push(reason);
  const onException = (err: unknown): void => void failures.push(err);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    failures,
    stop() {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
  };
}
