// The raft transport honours its stream's back-pressure: while a peer does not
// read, messages wait in the bounded per-peer queue (the oldest dropped) rather
// than piling up without bound in the gRPC stream's buffer, and sending resumes
// once the peer reads again. Without it, at a 5,000-group first start, votes
// arrived seconds late out of that buffer and no group got elected. The
// backlog then leaves in batches a gRPC message can carry.
import * as grpc from '@grpc/grpc-js';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, protos } from '../../src/api/protos.js';
import { EntryType, MessageType, message, nodeId } from '../../src/raft/index.js';
import { MAX_BATCH_BYTES, Transport } from '../../src/transport/transport.js';

const MiB = 1 << 20;

/** A peer whose raft stream handler reads only when told to. */
async function slowPeer(): Promise<{ port: number; received: () => number; largestBatch: () => number; resume: () => void; server: grpc.Server }> {
  const server = createServer();
  let received = 0;
  let largest = 0;
  const calls: grpc.ServerReadableStream<unknown, unknown>[] = [];
  let paused = true;
  server.addService(protos().internal.ferrykv.internal.v1.Internal.service, {
    raft: (call: grpc.ServerReadableStream<{ messages: Buffer[] }, unknown>) => {
      calls.push(call as grpc.ServerReadableStream<unknown, unknown>);
      call.on('data', (b: { messages: Buffer[] }) => {
        received += b.messages.length;
        largest = Math.max(largest, b.messages.reduce((n, m) => n + m.byteLength, 0));
      });
      if (paused) call.pause();
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  return {
    port,
    server,
    received: () => received,
    largestBatch: () => largest,
    resume: () => {
      paused = false;
      for (const c of calls) c.resume();
    },
  };
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('raft transport back-pressure', () => {
  let cleanup: (() => void)[] = [];
  afterEach(() => {
    for (const f of cleanup) f();
    cleanup = [];
  });

  it('a peer that does not read fills the stream; later messages wait in the bounded queue, and flow again once it reads', async () => {
    const peer = await slowPeer();
    const t = new Transport({
      nodeId: nodeId(1),
      log: pino({ level: 'silent' }),
      onUnreachable: () => {},
      claim: { clusterId: 'test', storeId: new Uint8Array(16), replaces: new Uint8Array(0) },
      onRefused: () => {},
      maxQueuedPerPeer: 20,
    });
    cleanup.push(() => t.close(), () => peer.server.forceShutdown());
    t.setPeer(nodeId(2), `127.0.0.1:${peer.port}`);
    const data = new Uint8Array(MiB);
    const app = (i: number) => message({ type: MessageType.App, to: nodeId(2), from: nodeId(1), term: 1, entries: [{ term: 1, index: i, type: EntryType.Normal, data }] });
    // 120 MiB, one message a turn: far beyond the HTTP/2 windows (16 MiB a stream) and socket buffers.
    for (let i = 1; i <= 120; i++) {
      t.send(7, app(i));
      await turn();
      await turn();
    }
    expect(t.stats.blocked).toBeGreaterThan(0);
    expect(t.stats.dropped.queueFull).toBeGreaterThan(0);
    expect(peer.received()).toBe(0);

    peer.resume();
    const sent = 120 - t.stats.dropped.queueFull;
    for (let i = 0; i < 400 && peer.received() < sent; i++) await new Promise((r) => setTimeout(r, 10));
    // Everything not dropped arrives, and the transport is not stuck: a message sent now arrives too.
    expect(peer.received()).toBe(sent);
    // The backlog left in batches a gRPC message can carry (it once went as one 20 MiB batch, refused by the peer).
    expect(peer.largestBatch()).toBeLessThanOrEqual(MAX_BATCH_BYTES);
    t.send(7, app(121));
    for (let i = 0; i < 400 && peer.received() < sent + 1; i++) await new Promise((r) => setTimeout(r, 10));
    expect(peer.received()).toBe(sent + 1);
  }, 30_000);
});
