/**
 * TLS on every client-facing listener from tls.certPath / tls.keyPath, with a self-signed certificate made by
 * openssl in the test: gRPC with grpc-js trusting that certificate and with the official Node client's
 * `sslEnabled` (in a child process given GRPC_DEFAULT_SSL_ROOTS_FILE_PATH); remoting and the name server over node:tls with
 * the project's codec. Plaintext clients get no service on any of these ports.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { credentials } from '@grpc/grpc-js';
import { RequestCode, ResponseCode } from '../../src/protocol/remoting/codes.js';
import { decodeFrameContent, encodeFrame, newRequest, type RemotingCommand } from '../../src/protocol/remoting/command.js';
import { FrameDecoder } from '../../src/protocol/remoting/frame-decoder.js';
import { Code } from '../../src/protocol/grpc/generated/apache/rocketmq/v2/definition.js';
import { MessagingServiceClient } from '../../src/protocol/grpc/generated/apache/rocketmq/v2/service.js';
import { call, clientMetadata } from '../grpc/support/harness.js';
import { makeTempDir, removeTempDirs } from '../helpers/broker-process.js';
import { sendV2, bodies, pullHeader } from '../remoting/support/remoting.js';
import { createTopic, startSecureBroker, type SecureBroker } from './support.js';

const run = promisify(execFile);
const TOPIC = 'TlsOrders';
/** Its own topic: the official client's message must not show up in the remoting pull. */
const REMOTING_TOPIC = 'TlsRemoting';

/** One request/response over an already connected socket, with the project's codec. */
function invoke(socket: TLSSocket, code: number, extFields: Record<string, string>, body?: Buffer): Promise<RemotingCommand> {
  return new Promise((resolve, reject) => {
    const decoder = new FrameDecoder(16 * 1024 * 1024);
    const onData = (chunk: Buffer): void =>
      decoder.push(chunk, (content) => {
        socket.off('data', onData);
        resolve(decodeFrameContent(content));
      });
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(encodeFrame(newRequest(code, 1, extFields, body)));
  });
}

function tlsSocket(port: number, ca: Buffer): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port, ca }, () => resolve(s));
    s.once('error', reject);
  });
}

/** A plaintext remoting request to a TLS port: the server must close the connection without serving it. */
function plaintextIsRefused(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = netConnect({ host: '127.0.0.1', port }, () => s.write(encodeFrame(newRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, 1, { topic: TOPIC }))));
    let got = Buffer.alloc(0);
    s.on('data', (d: Buffer) => (got = Buffer.concat([got, d])));
    s.on('error', () => undefined);
    const timer = setTimeout(() => (s.destroy(), reject(new Error('plaintext connection neither answered nor closed in 10 s'))), 10_000);
    s.on('close', () => {
      clearTimeout(timer);
      resolve(got.toString('latin1'));
    });
  });
}

describe('TLS (self-signed certificate made with openssl)', () => {
  let dir: string;
  let cert: Buffer;
  let b: SecureBroker;

  before(async () => {
    dir = await makeTempDir('apogee-tls-');
    const certPath = join(dir, 'cert.pem');
    const keyPath = join(dir, 'key.pem');
    await run('/usr/bin/openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', keyPath, '-out', certPath,
    ]);
    cert = await readFile(certPath);
    b = await startSecureBroker({ auth: { enabled: false }, tls: { certPath, keyPath } });
    await createTopic(b, TOPIC);
    await createTopic(b, REMOTING_TOPIC);
  });
  after(async () => {
    await b?.close();
    await removeTempDirs();
  });

  test('gRPC: a client trusting the certificate is served; a plaintext client is not', async () => {
    const secure = new MessagingServiceClient(b.grpc, credentials.createSsl(cert));
    try {
      const r = await call(secure.queryRoute, secure, { topic: { resourceNamespace: '', name: TOPIC }, endpoints: undefined }, clientMetadata('tls-raw'));
      assert.equal(r.status?.code, Code.OK, r.status?.message);
      assert.ok(r.messageQueues.length > 0);
    } finally {
      secure.close();
    }
    const plain = new MessagingServiceClient(b.grpc, credentials.createInsecure());
    try {
      await assert.rejects(call(plain.queryRoute, plain, { topic: { resourceNamespace: '', name: TOPIC }, endpoints: undefined }, clientMetadata('tls-plain'), 3000));
    } finally {
      plain.close();
    }
  });

  test('gRPC: the official Node client with sslEnabled sends and receives', async () => {
    const child = fileURLToPath(new URL('./support/tls-official-child.js', import.meta.url));
    const proc = spawn(process.execPath, [child, b.grpc, TOPIC, 'g-tls-official'], {
      // The client's ChannelCredentials.createSsl() takes grpc-js's default roots: GRPC_DEFAULT_SSL_ROOTS_FILE_PATH
      // (NODE_EXTRA_CA_CERTS alone was not enough: the handshake failed with "self-signed certificate").
      env: { ...process.env, GRPC_DEFAULT_SSL_ROOTS_FILE_PATH: join(dir, 'cert.pem') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    proc.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    proc.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const timer = setTimeout(() => proc.kill('SIGKILL'), 60_000);
    const code = await new Promise<number | null>((resolve) => proc.once('exit', resolve));
    clearTimeout(timer);
    assert.equal(code, 0, `child failed: ${out}${err}`);
    const result = JSON.parse(out.trim().split('\n').pop()!) as { sent: string; received: string[] };
    assert.ok(result.sent);
    assert.deepEqual(result.received, ['over-tls']);
  });

  test('remoting and name server over node:tls; plaintext connections are closed unserved', async () => {
    const rem = await tlsSocket(b.running.remotingEndpoint!.port, cert);
    const ns = await tlsSocket(b.running.namesrvEndpoint!.port, cert);
    try {
      const route = await invoke(ns, RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: TOPIC });
      assert.equal(route.code, ResponseCode.SUCCESS, route.remark);
      const body = Buffer.from('remoting-over-tls');
      const sent = await invoke(rem, RequestCode.SEND_MESSAGE_V2, sendV2(REMOTING_TOPIC, 0, { UNIQ_KEY: 'TLS00000001' }), body);
      assert.equal(sent.code, ResponseCode.SUCCESS, sent.remark);
      const pulled = await invoke(rem, RequestCode.PULL_MESSAGE, pullHeader('g-tls-remoting', REMOTING_TOPIC, 0, 0));
      assert.deepEqual(bodies(pulled), ['remoting-over-tls']);
    } finally {
      rem.destroy();
      ns.destroy();
    }
    for (const port of [b.running.remotingEndpoint!.port, b.running.namesrvEndpoint!.port]) {
      const answer = await plaintextIsRefused(port);
      assert.ok(!answer.includes('"code"'), `no remoting answer in plaintext, got ${JSON.stringify(answer.slice(0, 80))}`);
    }
  });
});
