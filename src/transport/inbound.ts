// The receiving side of the mesh: the Raft message stream and the snapshot
// stream peers open to this node. Every stream is checked by the peer guard
// (cluster and store identity) before anything it carries reaches a group; a
// snapshot's chunks are queued with a bound (the stream is paused above it),
// and a stream that loses or truncates data is never ingested as whole.

import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { Message, NodeId } from '../raft/index.js';
import type { RaftBatch__Output } from '../proto-gen/ferrykv/internal/v1/RaftBatch.js';
import type { SnapshotChunk__Output } from '../proto-gen/ferrykv/internal/v1/SnapshotChunk.js';
import type { SnapshotAck } from '../proto-gen/ferrykv/internal/v1/SnapshotAck.js';
import type { StoreClaim__Output } from '../proto-gen/ferrykv/internal/v1/StoreClaim.js';
import type { RaftAck } from '../proto-gen/ferrykv/internal/v1/RaftAck.js';
import type { SnapshotChunk } from '../storage/snapshot.js';
import type { PeerGuard } from './peer-guard.js';
import { decodeRaftMessage } from './raft-codec.js';

/** Chunks queued before the stream is paused (the ingest drains them). */
const QUEUE_HIGH = 64;
/** The paused stream resumes once the queue is down to this. */
const QUEUE_LOW = 16;

export interface InboundDeps {
  readonly guard: PeerGuard;
  readonly log: Logger;
  deliver(group: number, m: Message): void;
  /** A batch from `peer` passed the guard (an empty one is the peer's node heartbeat); `incarnation` identifies the peer's process. */
  heardFrom?(peer: NodeId, incarnation: string): void;
  receiveSnapshot(group: number, m: Message, chunks: AsyncIterable<SnapshotChunk>): Promise<{ accepted: boolean; reason: string }>;
}

/** A store claim off the wire (absent: no claim). */
function claimOf(c: StoreClaim__Output | null | undefined): { clusterId: string; storeId: Uint8Array; replaces: Uint8Array } | undefined {
  if (!c) return undefined;
  return { clusterId: c.clusterId, storeId: c.storeId, replaces: c.replacesStore };
}

export class Inbound {
  /** Open raft streams; peers hold them forever, so a stopping node ends them (closeAll). */
  private readonly open = new Set<() => void>();

  constructor(private readonly deps: InboundDeps) {}

  /** Ends every open raft stream, so the gRPC server can drain and close. */
  closeAll(): void {
    for (const close of [...this.open]) close();
  }

  raft(call: grpc.ServerReadableStream<RaftBatch__Output, RaftAck>, callback: grpc.sendUnaryData<RaftAck>): void {
    const close = (): void => {
      if (this.open.delete(close)) callback(null, {});
    };
    this.open.add(close);
    let refused = false;
    call.on('data', (batch: RaftBatch__Output) => {
      if (refused) return;
      const verdict = this.deps.guard.check(batch.fromNode, claimOf(batch.claim));
      if (!verdict.ok) {
        refused = true;
        this.open.delete(close);
        callback({ code: 9 /* FAILED_PRECONDITION */, details: verdict.reason });
        return;
      }
      this.deps.heardFrom?.(batch.fromNode as NodeId, batch.incarnation);
      for (const raw of batch.messages) {
        let gm;
        try {
          gm = decodeRaftMessage(raw);
        } catch (e) {
          this.deps.log.warn({ from: batch.fromNode, err: (e as Error).message }, 'dropping a malformed raft message');
          continue;
        }
        this.deps.deliver(gm.group, gm.message);
      }
    });
    call.on('end', close);
    call.on('error', () => {
      /* the peer went away; it reconnects */
      this.open.delete(close);
    });
  }

  snapshot(call: grpc.ServerReadableStream<SnapshotChunk__Output, SnapshotAck>, callback: grpc.sendUnaryData<SnapshotAck>): void {
    const q = new ChunkQueue(call);
    let started = false;
    let answered = false;
    let result: Promise<{ accepted: boolean; reason: string }> | undefined;
    const answer = (r: SnapshotAck): void => {
      if (answered) return;
      answered = true;
      callback(null, r);
    };
    call.on('data', (c: SnapshotChunk__Output) => {
      if (answered) return;
      if (!started) {
        started = true;
        const verdict = this.deps.guard.check(c.fromNode, claimOf(c.claim));
        if (!verdict.ok) return this.refuse(call, q, answer, new Error(verdict.reason), verdict.reason);
        let first;
        try {
          first = decodeRaftMessage(c.message);
        } catch (e) {
          return this.refuse(call, q, answer, e as Error, 'malformed snapshot header');
        }
        result = this.deps.receiveSnapshot(first.group, first.message, q.chunks());
        return;
      }
      q.push(c);
    });
    call.on('cancelled', () => q.fail(new Error('the sender cancelled the snapshot stream')));
    call.on('error', (e) => q.fail(e));
    call.on('end', () => {
      if (answered) return;
      q.end();
      if (!result) return answer({ accepted: false, reason: 'empty snapshot stream' });
      result.then(answer, (e: unknown) => answer({ accepted: false, reason: (e as Error).message }));
    });
  }

  private refuse(call: grpc.ServerReadableStream<SnapshotChunk__Output, SnapshotAck>, q: ChunkQueue, answer: (r: SnapshotAck) => void, err: Error, reason: string): void {
    q.fail(err);
    answer({ accepted: false, reason });
    call.destroy();
  }
}

/** A snapshot stream's chunks between the wire and the ingest: bounded (the stream pauses above QUEUE_HIGH), checked for loss at its end. */
class ChunkQueue {
  private readonly queued: SnapshotChunk[] = [];
  private notify: (() => void) | undefined;
  private ended = false;
  private sawDone = false;
  private paused = false;
  private failed: Error | undefined;
  private rows = 0;
  private bytes = 0;

  constructor(private readonly stream: { pause(): unknown; resume(): unknown }) {}

  push(c: SnapshotChunk__Output): void {
    if (c.rows.length > 0) {
      let bytes = 0;
      for (const r of c.rows) bytes += r.key.byteLength + r.value.byteLength;
      this.queued.push({ rows: c.rows, bytes });
      this.rows += c.rows.length;
      this.bytes += bytes;
      if (this.queued.length >= QUEUE_HIGH && !this.paused) {
        this.paused = true;
        this.stream.pause();
      }
    }
    if (c.done) {
      if (Number(c.totalRows) !== this.rows || Number(c.totalBytes) !== this.bytes) {
        this.failed ??= new Error(`snapshot stream lost data: sender sent ${c.totalRows} rows / ${c.totalBytes} bytes, received ${this.rows} / ${this.bytes}`);
      }
      this.sawDone = true;
      this.ended = true;
    }
    this.wake();
  }

  /** The stream ended; without its `done` chunk it is truncated. */
  end(): void {
    if (!this.sawDone) this.failed ??= new Error('snapshot stream ended before its last chunk');
    this.ended = true;
    this.wake();
  }

  fail(e: Error): void {
    this.failed ??= e;
    this.wake();
  }

  async *chunks(): AsyncIterable<SnapshotChunk> {
    for (;;) {
      const next = this.queued.shift();
      if (next) {
        if (this.paused && this.queued.length <= QUEUE_LOW) {
          this.paused = false;
          this.stream.resume();
        }
        yield next;
        continue;
      }
      if (this.failed) throw this.failed;
      if (this.ended) return;
      await new Promise<void>((r) => (this.notify = r));
    }
  }

  private wake(): void {
    const n = this.notify;
    this.notify = undefined;
    n?.();
  }
}
