/**
 * The one configuration schema. Every key lives here with its default and a one-line description; the env
 * variable (`APOGEE_*`), the `apogee start` flag and the help text are all derived from it (keys.ts), so a later
 * issue adds a key by adding one line here (or a nested `z.strictObject({...}).prefault({})` for a section such as
 * `receive` or `transaction`).
 *
 * Rules for entries: every leaf has a default (so a partial source parses on its own), leaves are string, number,
 * boolean or enum (so env/flag strings can be coerced), sections are strict objects with `.prefault({})`.
 */
import { z } from 'zod';
import { DEFAULT_TRANSACTION_OPTIONS as TX } from '../broker/transaction/constants.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

const port = z.number().int().min(0).max(65535);

/** Log levels pino understands, plus `silent`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const configSchema = z.strictObject({
  dataDir: z.string().min(1).default('./data').describe('directory holding commit log, consume queues, indexes and metadata'),
  host: z.string().min(1).default('127.0.0.1').describe('address every listener (gRPC, admin HTTP, name server, remoting) binds to'),
  grpcPort: port.default(8081).describe('gRPC (RocketMQ v2) port; 0 picks a free port'),
  httpPort: port.default(8082).describe('admin HTTP port (JSON API, /healthz, /metrics); 0 picks a free port'),
  namesrvPort: port.default(9876).describe('name server port (classic clients, mqadmin: setNamesrvAddr); 0 picks a free port'),
  remotingPort: port.default(10911).describe('broker remoting port (classic RocketMQ protocol); 0 picks a free port'),
  namesrvEnabled: z.boolean().default(true).describe('run the name server in this process'),
  remotingEnabled: z.boolean().default(true).describe('serve the classic remoting protocol'),
  clusterName: z
    .string()
    .regex(/^[a-zA-Z0-9_-]{1,127}$/, 'must be 1-127 characters of [a-zA-Z0-9_-]')
    .default('DefaultCluster')
    .describe('cluster name in routes and mqadmin clusterList'),
  flush: z.enum(['sync', 'async']).default('sync').describe('sync: acknowledge after fdatasync (group commit); async: after write'),
  asyncFlushIntervalMs: z.number().int().min(1).max(60_000).default(500).describe('async flush interval in ms'),
  segmentSize: z.number().int().min(64 * KiB).max(16 * GiB).default(GiB).describe('commit-log segment size in bytes'),
  maxBodySize: z.number().int().min(1).max(128 * MiB).default(4 * MiB).describe('largest accepted message body in bytes'),
  maxDelayMs: z.number().int().min(0).default(24 * 3600 * 1000).describe('longest accepted delay of a DELAY message ahead of now, ms'),
  defaultTopicQueueNums: z.number().int().min(1).max(1024).default(8).describe('queue count of a topic created without one'),
  retention: z
    .strictObject({
      fileReservedHours: z.number().min(0).default(72).describe('delete commit-log segments older than this many hours'),
      diskMaxUsedRatio: z.number().gt(0).max(1).default(0.85).describe('also delete old segments when the disk is fuller than this ratio'),
      checkIntervalMs: z.number().int().min(0).default(60_000).describe('how often retention runs in ms (0 = never in the background)'),
    })
    .prefault({})
    .describe('commit-log retention'),
  transaction: z
    .strictObject({
      checkImmunityMs: z.number().int().min(0).default(TX.checkImmunityMs).describe('half messages younger than this are not checked back'),
      maxCheckImmunityMs: z.number().int().min(0).default(TX.maxCheckImmunityMs).describe("cap on a producer's own check immunity"),
      checkIntervalMs: z.number().int().min(1).default(TX.checkIntervalMs).describe('minimum time between two check-backs of one half message'),
      maxChecks: z.number().int().min(1).default(TX.maxChecks).describe('check-backs before a half message is given up'),
      scanIntervalMs: z.number().int().min(10).default(TX.scanIntervalMs).describe('how often half messages are scanned for check-backs'),
      maxChecksPerScan: z.number().int().min(1).default(TX.maxChecksPerScan).describe('check-backs sent per scan at most'),
    })
    .prefault({})
    .describe('transactional messages: check-back timing'),
  auth: z
    .strictObject({
      enabled: z.boolean().default(false).describe('require signed requests (access key / secret key, ACL) from clients and a token on the admin API'),
      adminToken: z.string().default('').describe('token the admin HTTP API and the CLI must present when auth is on (Authorization: Bearer); required then'),
    })
    .prefault({})
    .describe('authentication and ACL (users and rules live in <dataDir>/acl.json)'),
  tls: z
    .strictObject({
      certPath: z.string().default('').describe('PEM certificate (chain); with keyPath set, gRPC, remoting and the name server speak TLS'),
      keyPath: z.string().default('').describe('PEM private key of certPath'),
    })
    .prefault({})
    .describe('TLS for the client-facing listeners'),
  limits: z
    .strictObject({
      memoryBudgetBytes: z
        .number()
        .int()
        .min(MiB)
        .default(256 * MiB)
        .describe('bytes of accepted, unanswered requests and of answers queued to slow clients (gRPC and remoting); past it new requests get TOO_MANY_REQUESTS / SYSTEM_BUSY'),
      maxInFlightPerClient: z.number().int().min(1).default(1000).describe('gRPC requests in progress per client id (long polls included); more get TOO_MANY_REQUESTS'),
      maxInFlightGlobal: z.number().int().min(1).default(10_000).describe('requests in progress in total, per front (gRPC calls, gRPC Telemetry streams, remoting requests); more get TOO_MANY_REQUESTS / SYSTEM_BUSY'),
      maxLongPollsPerGroup: z.number().int().min(1).default(1024).describe('gRPC ReceiveMessage long polls waiting per consumer group; more get TOO_MANY_REQUESTS'),
      maxHeldPulls: z.number().int().min(1).default(100_000).describe('remoting PULL_MESSAGE requests held by long polling in total; more get SYSTEM_BUSY'),
      connectionWriteBufferBytes: z
        .number()
        .int()
        .min(64 * KiB)
        .default(16 * MiB)
        .describe('unread answer bytes per remoting connection before the broker stops reading its requests'),
      writeStallCloseMs: z
        .number()
        .int()
        .min(0)
        .default(60_000)
        .describe('a remoting connection or gRPC stream that has not read its answers for this long while over its buffer is closed (0 = never)'),
    })
    .prefault({})
    .describe('overload protection: in-flight requests, long polls, the global byte budget, clients that do not read'),
  autoCreateGroups: z.boolean().default(true).describe('create a consumer group on first use'),
  brokerName: z
    .string()
    .regex(/^[a-zA-Z0-9_-]{1,127}$/, 'must be 1-127 characters of [a-zA-Z0-9_-]')
    .default('apogee')
    .describe('broker name shown in routes and stored as store host'),
  logLevel: z.enum(LOG_LEVELS).default('info').describe('log level'),
  logPretty: z.boolean().default(false).describe('human-readable log lines instead of JSON'),
});

/** The effective configuration, every key present. */
export type ApogeeConfig = z.output<typeof configSchema>;

/** What a source may supply: any subset of the keys, sections partially too. */
export type ApogeeConfigInput = z.input<typeof configSchema>;
