// The receiving side of the mesh (src/transport/inbound.ts), against fake
// streams: every stream is checked by the peer guard first; a snapshot's
// queue is bounded (the stream pauses above it and resumes as the ingest
// drains); a stream that loses data or ends early is never ingested as whole.
import { EventEmitter } from 'node:events';
import type * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import type { RaftBatch__Output } from '../../src/proto-gen/ferrykv/internal/v1/RaftBatch.js';
import type { SnapshotAck } from '../../src/proto-gen/ferrykv/internal/v1/SnapshotAck.js';
import type { SnapshotChunk__Output } from '../../src/proto-gen/ferrykv/internal/v1/SnapshotChunk.js';
import { MessageType, message, nodeId, type Message } from '../../src/raft/index.js';
import type { SnapshotChunk } from '../../src/storage/snapshot.js';
import { Inbound } from '../../src/transport/inbound.js';
import type { PeerGuard } from '../../src/transport/peer-guard.js';
import { encodeRaftMessage } from '../../src/transport/raft-codec.js';
import type { Logger } from 'pino';

const quiet = { warn: () => {}, info: () => {}, debug: () => {}, error: () => {} } as unknown as Logger;

class FakeStream extends EventEmitter {
  paused = false;
  pauses = 0;
  destroyed = false;
  pause(): this {
    this.paused = true;
    this.pauses++;
    return this;
  }
  resume(): this {
    this.paused = false;
    return this;
  }
  destroy(): void {
    this.destroyed = true;
  }
}

const guard = (refuse?: string): PeerGuard => ({ check: () => (refuse ? { ok: false, reason: refuse } : { ok: true }) }) as unknown as PeerGuard;
const heartbeat = (group: number): Uint8Array => encodeRaftMessage(group, message({ type: MessageType.Heartbeat, to: nodeId(1), from: nodeId(2), term: 3 }));
const snapHeader = (): Buffer =>
  Buffer.from(
    encodeRaftMessage(
      7,
      message({ type: MessageType.Snap, to: nodeId(1), from: nodeId(2), term: 3, snapshot: { meta: { index: 10, term: 3, confState: { voters: [nodeId(1)], learners: [] } }, data: new Uint8Array(0) } }),
    ),
  );
const row = (i: number): { key: Buffer; value: Buffer } => ({ key: Buffer.from(`k${i}`), value: Buffer.from('v') });
const chunk = (c: Partial<SnapshotChunk__Output>): SnapshotChunk__Output => ({ groupId: 7, fromNode: 2, claim: null, message: Buffer.alloc(0), rows: [], done: false, totalRows: '0', totalBytes: '0', ...c }) as SnapshotChunk__Output;

/** An Inbound whose ingest consumes chunks only when `drain` is called. */
function snapshotRig(refuse?: string) {
  const got: SnapshotChunk[] = [];
  let pull: (() => Promise<void>) | undefined;
  const answers: SnapshotAck[] = [];
  const inbound = new Inbound({
    guard: guard(refuse),
    log: quiet,
    deliver: () => {},
    receiveSnapshot: async (_g, _m, chunks) => {
      const it = chunks[Symbol.asyncIterator]();
      try {
        for (;;) {
          await new Promise<void>((r) => (pull = () => Promise.resolve(r())));
          const n = await it.next();
          if (n.done) return { accepted: true, reason: '' };
          got.push(n.value);
        }
      } catch (e) {
        return { accepted: false, reason: (e as Error).message };
      }
    },
  });
  const s = new FakeStream();
  inbound.snapshot(s as unknown as grpc.ServerReadableStream<SnapshotChunk__Output, SnapshotAck>, (_e, r) => answers.push(r!));
  const drain = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++) {
      await new Promise((r) => setImmediate(r));
      await pull?.();
    }
    await new Promise((r) => setImmediate(r));
  };
  return { s, got, answers, drain };
}

describe('Inbound raft streams', () => {
  it('delivers every decodable message of an accepted batch and drops malformed ones', () => {
    const delivered: [number, Message][] = [];
    const inbound = new Inbound({ guard: guard(), log: quiet, deliver: (g, m) => delivered.push([g, m]), receiveSnapshot: () => Promise.reject(new Error('unused')) });
    const s = new FakeStream();
    inbound.raft(s as unknown as grpc.ServerReadableStream<RaftBatch__Output, object>, () => {});
    s.emit('data', { fromNode: 2, claim: null, messages: [Buffer.from(heartbeat(4)), Buffer.from([0xff, 0x01]), Buffer.from(heartbeat(5))] });
    expect(delivered.map(([g, m]) => [g, m.type])).toEqual([
      [4, MessageType.Heartbeat],
      [5, MessageType.Heartbeat],
    ]);
  });

  it('refuses a stream the guard refuses, and delivers nothing from it', () => {
    const delivered: number[] = [];
    const inbound = new Inbound({ guard: guard('store refused'), log: quiet, deliver: (g) => delivered.push(g), receiveSnapshot: () => Promise.reject(new Error('unused')) });
    const s = new FakeStream();
    const answers: (grpc.ServerErrorResponse | null)[] = [];
    inbound.raft(s as unknown as grpc.ServerReadableStream<RaftBatch__Output, object>, (e) => answers.push(e as grpc.ServerErrorResponse | null));
    s.emit('data', { fromNode: 2, claim: null, messages: [Buffer.from(heartbeat(4))] });
    s.emit('data', { fromNode: 2, claim: null, messages: [Buffer.from(heartbeat(4))] });
    expect(delivered).toEqual([]);
    expect(answers).toHaveLength(1);
    expect(answers[0]?.details).toBe('store refused');
  });

  it('closeAll ends every open stream once', () => {
    const inbound = new Inbound({ guard: guard(), log: quiet, deliver: () => {}, receiveSnapshot: () => Promise.reject(new Error('unused')) });
    const ends: number[] = [];
    for (let i = 0; i < 3; i++) inbound.raft(new FakeStream() as unknown as grpc.ServerReadableStream<RaftBatch__Output, object>, () => ends.push(i));
    inbound.closeAll();
    inbound.closeAll();
    expect(ends).toEqual([0, 1, 2]);
  });
});

describe('Inbound snapshot streams', () => {
  it('pauses the stream while the queue is full and resumes it as the ingest drains', async () => {
    const { s, got, answers, drain } = snapshotRig();
    s.emit('data', chunk({ message: snapHeader() }));
    for (let i = 0; i < 100; i++) s.emit('data', chunk({ rows: [row(i)] }));
    expect(s.paused).toBe(true);
    await drain(90);
    expect(s.paused).toBe(false);
    expect(s.pauses).toBe(1);
    const bytes = Array.from({ length: 100 }, (_, i) => row(i).key.byteLength + 1).reduce((a, b) => a + b, 0);
    s.emit('data', chunk({ done: true, totalRows: '100', totalBytes: String(bytes) }));
    s.emit('end');
    await drain(20);
    expect(got).toHaveLength(100);
    expect(answers).toEqual([{ accepted: true, reason: '' }]);
  });

  it('refuses a stream whose totals do not match what arrived', async () => {
    const { s, answers, drain } = snapshotRig();
    s.emit('data', chunk({ message: snapHeader() }));
    s.emit('data', chunk({ rows: [row(1)] }));
    s.emit('data', chunk({ done: true, totalRows: '2', totalBytes: '6' }));
    s.emit('end');
    await drain(10);
    expect(answers).toHaveLength(1);
    expect(answers[0]!.accepted).toBe(false);
    expect(answers[0]!.reason).toMatch(/lost data/);
  });

  it('refuses a stream that ends before its last chunk', async () => {
    const { s, answers, drain } = snapshotRig();
    s.emit('data', chunk({ message: snapHeader() }));
    s.emit('data', chunk({ rows: [row(1)] }));
    s.emit('end');
    await drain(10);
    expect(answers[0]!.accepted).toBe(false);
    expect(answers[0]!.reason).toMatch(/ended before its last chunk/);
  });

  it('refuses a snapshot from a store the guard refuses, without ingesting', async () => {
    const { s, got, answers, drain } = snapshotRig('store refused: another store');
    s.emit('data', chunk({ message: snapHeader() }));
    s.emit('data', chunk({ rows: [row(1)] }));
    await drain(3);
    expect(got).toEqual([]);
    expect(answers).toEqual([{ accepted: false, reason: 'store refused: another store' }]);
    expect(s.destroyed).toBe(true);
  });

  it('refuses a malformed header', () => {
    const { s, answers } = snapshotRig();
    s.emit('data', chunk({ message: Buffer.from([0xff]) }));
    expect(answers).toEqual([{ accepted: false, reason: 'malformed snapshot header' }]);
  });
});
