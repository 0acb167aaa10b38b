/**
 * Differential suite: every scenario in scenarios.ts runs with the official Node client against Apogee (in
 * process, on a temp-dir store) and against Apache RocketMQ 5 (the reference, `npm run reference -- start`),
 * and the two records must be equal, except where KNOWN_DIFFERENCES says otherwise, with the reason.
 *
 * Not part of `npm test` (needs a JVM, takes minutes): `npm run test:differential` (scripts/differential.mjs)
 * starts the reference if needed and passes its endpoint in APOGEE_REFERENCE_GRPC.
 * The full records (and the error messages, compared by humans only) go to build/differential-report.json.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { startHarness, type Harness } from '../grpc/support/harness.js';
import { SCENARIOS } from './scenarios.js';
import { TOPOLOGY, type Json, type Record_, type Target } from './support.js';

interface KnownDifference {
  scenario: string;
  /** false: a difference found here that is not wanted; kept in the table (so the suite stays meaningful) until fixed. */
  intended: boolean;
  /** Dot path into the scenario's record. */
  path: string;
  reference: Json;
  apogee: Json;
  reason: string;
}

/**
 * The one table of intended differences. Each row must still hold (the test checks both sides' values), so a
 * row that stops being true fails and gets removed.
 */
export const KNOWN_DIFFERENCES: KnownDifference[] = [
  {
    scenario: 'bad input: codes the client sees',
    intended: true,
    path: 'receiveWithInvisible1s',
    reference: { error: 'BadRequestException', code: 40011 },
    apogee: { ok: true },
    reason:
      "RocketMQ's proxy refuses receive invisible durations under 10 s (minInvisibleTimeMillsForRecv); Apogee accepts " +
      'down to 1 ms (grpc setting minInvisibleMs) so short retry loops and tests need not wait 10 s per redelivery',
  },
  {
    scenario: 'bad input: codes the client sees',
    intended: true,
    path: 'ackWithForgedReceiptHandle',
    reference: { error: 'InternalErrorException', code: 50001 },
    apogee: { error: 'BadRequestException', code: 40013 },
    reason: 'a malformed receipt handle is bad input: Apogee answers INVALID_RECEIPT_HANDLE, RocketMQ an internal error',
  },
  {
    scenario: 'bad input: codes the client sees',
    intended: true,
    path: 'ackTwice',
    reference: { ok: true },
    apogee: { error: 'BadRequestException', code: 40013 },
    reason:
      'a second ack of the same receipt handle: RocketMQ answers OK, Apogee INVALID_RECEIPT_HANDLE ("stale: already ' +
      'acked") as spec/grpc-v2.md asks for stale handles; the message stays acked either way',
  },
  ...(['dlqGroup', 'fifoGroup', 'newGroup'] as const).flatMap((g): KnownDifference[] => [
    {
      scenario: 'Settings answer: retry policy and FIFO flag per consumer group',
      intended: true,
      path: `${g}.backoffStrategy`,
      reference: 'customizedBackoff',
      apogee: 'exponentialBackoff',
      reason: 'the official Node client ignores a customized backoff (then never retries), so Apogee sends its ladder as an exponential curve',
    },
  ]),
];

function getPath(r: Json, path: string): Json | undefined {
  let cur: Json | undefined = r;
  for (const k of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, Json>)[k];
  }
  return cur;
}

function deletePath(r: Record_, path: string): void {
  const keys = path.split('.');
  let cur: Json | undefined = r;
  for (const k of keys.slice(0, -1)) cur = cur !== null && typeof cur === 'object' && !Array.isArray(cur) ? (cur as Record<string, Json>)[k] : undefined;
  if (cur !== null && typeof cur === 'object' && !Array.isArray(cur)) delete (cur as Record<string, Json>)[keys[keys.length - 1]!];
}

function withoutRunId(r: Record_, runId: string): Record_ {
  return JSON.parse(JSON.stringify(r).replaceAll(runId, '<run>')) as Record_;
}

describe('differential: Apogee vs Apache RocketMQ (official Node client)', () => {
  const runId = randomBytes(4).toString('hex');
  const referenceEndpoint = process.env['APOGEE_REFERENCE_GRPC'] ?? '';
  let h: Harness | undefined;
  const report: Record<string, { apogee: Record_; reference: Record_; messages: { apogee: string[]; reference: string[] } }> = {};

  before(async () => {
    assert.ok(referenceEndpoint !== '', 'APOGEE_REFERENCE_GRPC is not set: run `npm run test:differential` (it starts the reference)');
    h = await startHarness({
      broker: { transaction: { checkImmunityMs: 3000, checkIntervalMs: 5000, maxChecks: 15, scanIntervalMs: 500 } },
    });
    for (const t of TOPOLOGY.topics) await h.broker.createTopic({ name: t.name, messageType: t.messageType, queueNums: t.queueNums });
    for (const g of TOPOLOGY.groups) await h.broker.createGroup({ ...g });
  });
  after(async () => {
    await h?.close();
    await writeFile(new URL('../../differential-report.json', import.meta.url), `${JSON.stringify({ runId, knownDifferences: KNOWN_DIFFERENCES, scenarios: report }, null, 2)}\n`);
  });

  for (const scenario of SCENARIOS) {
    test(scenario.name, async () => {
      const apogee: Target = { name: 'apogee', endpoint: h!.endpoint, runId: `${runId}a` };
      const reference: Target = { name: 'reference', endpoint: referenceEndpoint, runId: `${runId}r` };
      const messages = { apogee: [] as string[], reference: [] as string[] };
      // Side by side: the scenario's waits overlap, and neither target sees the other's traffic.
      const [rawA, rawR] = await Promise.all([scenario.run(apogee, messages.apogee), scenario.run(reference, messages.reference)]);
      // Tags and group names carry each target's run id; the same placeholder on both sides.
      const a = withoutRunId(rawA, apogee.runId);
      const r = withoutRunId(rawR, reference.runId);
      report[scenario.name] = { apogee: structuredClone(a), reference: structuredClone(r), messages };
      for (const d of KNOWN_DIFFERENCES.filter((x) => x.scenario === scenario.name)) {
        assert.deepEqual(getPath(r, d.path), d.reference, `known difference ${d.path}: RocketMQ no longer answers as the table says`);
        assert.deepEqual(getPath(a, d.path), d.apogee, `known difference ${d.path}: Apogee no longer answers as the table says`);
        deletePath(a, d.path);
        deletePath(r, d.path);
      }
      // Errors are compared by class and code; both sides must say something.
      assert.ok(messages.apogee.every((m) => m.trim() !== ''), `Apogee gave an empty error message: ${JSON.stringify(messages.apogee)}`);
      assert.deepEqual(a, r, `Apogee observed something else than RocketMQ in "${scenario.name}"\nmessages: ${JSON.stringify(messages)}`);
    });
  }
});
