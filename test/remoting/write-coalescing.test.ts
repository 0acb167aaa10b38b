import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, connect, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { newRequest } from '../../src/protocol/remoting/command.js';
import { RemotingConnection } from '../../src/protocol/remoting/connection.js';
import { silentLogger } from '../../src/util/logger.js';

describe('remoting connection writes', () => {
  it('sends the commands written in one tick with one writev, in order', async () => {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    const accepted = once(server, 'connection') as Promise<[Socket]>;
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    const [peer] = await accepted;
    try {
      const conn = new RemotingConnection(socket, {
        maxFrameBytes: 1 << 20,
        maxPendingRequests: 16,
        maxWriteBufferBytes: 1 << 20,
        logger: silentLogger(),
        dispatch: async () => undefined,
      });
      // Count the batches the socket hands to libuv: one _writev for the tick's commands, no lone _write.
      const raw = socket as unknown as { _writev: (...a: unknown[]) => void; _write: (...a: unknown[]) => void };
      let writevs = 0;
      let writes = 0;
      const writev = raw._writev.bind(socket);
      const write = raw._write.bind(socket);
      raw._writev = (...a) => (writevs++, writev(...a));
      raw._write = (...a) => (writes++, write(...a));
      const chunks: Buffer[] = [];
      peer.on('data', (d: Buffer) => chunks.push(d));
      const commands = Array.from({ length: 10 }, (_, i) => newRequest(300 + i, i, { k: String(i) }, i % 2 ? Buffer.from(`body${i}`) : undefined));
      for (const c of commands) assert.ok(conn.write(c));
      assert.equal(writes + writevs, 0, 'nothing leaves before the tick ends');
      await new Promise((r) => setImmediate(r));
      assert.equal(writevs, 1);
      assert.equal(writes, 0);
      while (Buffer.concat(chunks).length < 10 * 20) await new Promise((r) => setImmediate(r));
      // Frames arrive whole and in order: read the codes back.
      const all = Buffer.concat(chunks);
      const codes: number[] = [];
      for (let p = 0; p < all.length; ) {
        const len = all.readInt32BE(p);
        const headerLen = all.readInt32BE(p + 4) & 0xffffff;
        codes.push((JSON.parse(all.subarray(p + 8, p + 8 + headerLen).toString()) as { code: number }).code);
        p += 4 + len;
      }
      assert.deepEqual(codes, commands.map((c) => c.code));
    } finally {
      socket.destroy();
      peer.destroy();
      server.close();
    }
  });
});
