#!/usr/bin/env node
// compat/java-acl: the classic Java client's AclClientRPCHook and the 5.x gRPC client's session credentials
// against Apogee with auth on.
//   node scripts/compat-java-acl.mjs      (needs `npm run build`, Java 17+ and Maven)
// Starts Apogee (free ports, temp data dir, auth on), creates a topic and three users through the CLI (a producer
// with PUB on the topic, a consumer with SUB on the topic and its group, one with no rules), runs `mvn test` in compat/java-acl,
// stops Apogee on every path.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { apogeeCli, startApogee } from './lib/apogee-process.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TOKEN = randomBytes(16).toString('hex');
const TOPIC = 'AclJavaTopic';
const GROUP = 'g-acl-java';
const secret = () => randomBytes(8).toString('hex');
const USERS = { PRODUCER: ['javaproducer', secret()], CONSUMER: ['javaconsumer', secret()], NOBODY: ['javanobody', secret()] };
const log = (s) => process.stderr.write(`compat-java-acl: ${s}\n`);

const apogee = await startApogee({ extraArgs: ['--auth-enabled', '--auth-admin-token', TOKEN], log });
let code = 1;
try {
  const cli = (...args) => apogeeCli(apogee.admin, [...args, '--token', TOKEN]);
  await cli('topic', 'create', TOPIC, '--type', 'NORMAL', '--queues', '4');
  await cli('user', 'create', USERS.PRODUCER[0], '--secret-key', USERS.PRODUCER[1]);
  await cli('acl', 'set', USERS.PRODUCER[0], '--topic', TOPIC, '--perm', 'PUB');
  await cli('user', 'create', USERS.CONSUMER[0], '--secret-key', USERS.CONSUMER[1]);
  await cli('acl', 'set', USERS.CONSUMER[0], '--topic', TOPIC, '--perm', 'SUB');
  await cli('acl', 'set', USERS.CONSUMER[0], '--group', GROUP, '--perm', 'SUB');
  await cli('user', 'create', USERS.NOBODY[0], '--secret-key', USERS.NOBODY[1]); // no rules, DENY defaults
  const env = {
    ...process.env,
    APOGEE_ACL_NAMESRV: apogee.namesrv,
    APOGEE_ACL_GRPC: apogee.grpc,
    APOGEE_ACL_TOPIC: TOPIC,
    APOGEE_ACL_GROUP: GROUP,
    APOGEE_ACL_PRODUCER_AK: USERS.PRODUCER[0],
    APOGEE_ACL_PRODUCER_SK: USERS.PRODUCER[1],
    APOGEE_ACL_CONSUMER_AK: USERS.CONSUMER[0],
    APOGEE_ACL_CONSUMER_SK: USERS.CONSUMER[1],
    APOGEE_ACL_NOBODY_AK: USERS.NOBODY[0],
    APOGEE_ACL_NOBODY_SK: USERS.NOBODY[1],
  };
  code = await new Promise((done) => {
    const child = spawn('mvn', ['-B', '-q', 'test'], { cwd: join(ROOT, 'compat', 'java-acl'), stdio: 'inherit', env });
    const onSignal = () => child.kill('SIGTERM');
    process.once('SIGINT', onSignal);
    child.on('error', (err) => (log(err.message), done(1)));
    child.on('close', (c) => (process.off('SIGINT', onSignal), done(c ?? 1)));
  });
  log(code === 0 ? 'PASSED' : `FAILED (mvn exit ${code}); broker log tail:\n${apogee.stderrTail()}`);
} finally {
  await apogee.stop();
}
process.exit(code);
