// The gRPC mesh between nodes.
//
// Raft: one long-lived client stream per peer carries raft messages of every
// group, batched per event-loop turn (messages queued during a turn leave in
// one RaftBatch). A broken stream is re-opened on the next send after a
// backoff; messages that could not be sent are reported unreachable so raft
// falls back to probing. Snapshots stream in bounded chunks with a byte-rate
// limit. Forward carries a client request to a group leader.
//
// Fault hook (tests only): per-peer drop probability and delay, set at run
// time through the admin SetFaults RPC when the node runs with test hooks.

import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { Message, NodeId } from '../raft/index.js';
import type { InternalClient } from '../proto-gen/ferrykv/internal/v1/Internal.js';
import type { ForwardRequest } from '../proto-gen/ferrykv/internal/v1/ForwardRequest.js';
import type { ForwardResponse__Output } from '../proto-gen/ferrykv/internal/v1/ForwardResponse.js';
import type { RaftBatch } from '../proto-gen/ferrykv/internal/v1/RaftBatch.js';
import type { SnapshotChunk } from '../proto-gen/ferrykv/internal/v1/SnapshotChunk.js';
import { CHANNEL_OPTIONS, protos } from '../api/protos.js';
import { encodeRaftMessage } from './raft-codec.js';
import { STORE_REFUSED, type StoreClaim } from './peer-guard.js';

export interface PeerFault {
  readonly drop: number;
  readonly delayMs: number;
}

export interface TransportOptions {
  readonly nodeId: NodeId;
  readonly log: Logger;
  /** Called when raft messages to a peer could not be sent. */
  readonly onUnreachable: (group: number, peer: NodeId) => void;
  /** Snapshot streaming rate limit, bytes per second (0: unlimited). */
  readonly snapshotBytesPerSec?: number;
  /** Bound on queued raft messages per peer; beyond it the oldest are dropped (raft retransmits). */
  readonly maxQueuedPerPeer?: number;
  readonly random?: () => number;
  /** This node's store claim, sent with every raft batch and snapshot (src/transport/peer-guard.ts). */
  readonly claim: StoreClaim;
  /** A peer refused this node's store: the node must stop (its data dir is not the one the cluster knows). */
  readonly onRefused: (peer: NodeId, reason: string) => void;
  /** This process's incarnation, sent with every raft batch (default: the time the transport was made, ms). */
  readonly incarnation?: number;
}

interface Peer {
  readonly id: NodeId;
  address: string;
  client: InternalClient | undefined;
  stream: grpc.ClientWritableStream<RaftBatch> | undefined;
  queue: { group: number; bytes: Uint8Array }[];
  /** An empty batch is due (the node heartbeat) if nothing else leaves this turn. */
  ping: boolean;
  brokenUntil: number;
  backoffMs: number;
  connected: boolean;
  /** The stream's buffer is full (write returned false): batches wait in `queue` (bounded) until it drains. */
  blocked: boolean;
}

/** The most message bytes one raft batch carries (gRPC messages are at most 16 MiB: src/api/protos.ts). */
export const MAX_BATCH_BYTES = 4 << 20;

const MIN_BACKOFF_MS = 50;
const MAX_BACKOFF_MS = 2000;

/** Raft messages by type, and messages the transport dropped by reason (metrics: src/server/metrics.ts). */
export interface TransportStats {
  readonly sent: Map<string, number>;
  readonly dropped: { queueFull: number; peerBroken: number };
  /** Times a peer's stream buffer filled and sending waited for it to drain. */
  blocked: number;
}

export class Transport {
  private readonly peers = new Map<NodeId, Peer>();
  readonly stats: TransportStats = { sent: new Map(), dropped: { queueFull: 0, peerBroken: 0 }, blocked: 0 };
  private faults = new Map<NodeId, PeerFault>();
  private flushScheduled = false;
  private closed = false;
  private readonly maxQueued: number;
  private readonly random: () => number;

  private readonly wireClaim: { clusterId: string; storeId: Buffer; replacesStore: Buffer };
  private readonly incarnation: string;

  constructor(private readonly opts: TransportOptions) {
    this.maxQueued = opts.maxQueuedPerPeer ?? 10_000;
    this.random = opts.random ?? Math.random;
    this.incarnation = String(opts.incarnation ?? Date.now());
    this.wireClaim = { clusterId: opts.claim.clusterId, storeId: Buffer.from(opts.claim.storeId), replacesStore: Buffer.from(opts.claim.replaces) };
  }

  setPeer(id: NodeId, address: string): void {
    if (id === this.opts.nodeId) return;
    const p = this.peers.get(id);
    if (p) {
      if (p.address !== address) {
        p.address = address;
        this.closePeer(p);
      }
      return;
    }
    this.peers.set(id, { id, address, client: undefined, stream: undefined, queue: [], ping: false, brokenUntil: 0, backoffMs: MIN_BACKOFF_MS, connected: false, blocked: false });
  }

  peerAddress(id: NodeId): string | undefined {
    return this.peers.get(id)?.address;
  }

  peerStatus(): { nodeId: number; address: string; connected: boolean }[] {
    return [...this.peers.values()].map((p) => ({ nodeId: p.id, address: p.address, connected: p.connected }));
  }

  setFaults(faults: Map<NodeId, PeerFault>): void {
    this.faults = faults;
  }

  /** Queues a raft message; the batch leaves at the end of this event-loop turn. */
  send(group: number, m: Message): void {
    if (this.closed) return;
    const p = this.peers.get(m.to);
    if (!p) {
      this.opts.onUnreachable(group, m.to);
      return;
    }
    const fault = this.faults.get(m.to);
    if (fault && fault.drop > 0 && this.random() < fault.drop) return;
    this.stats.sent.set(m.type, (this.stats.sent.get(m.type) ?? 0) + 1);
    const bytes = encodeRaftMessage(group, m);
    if (fault && fault.delayMs > 0) {
      setTimeout(() => this.enqueue(p, group, bytes), fault.delayMs).unref();
      return;
    }
    this.enqueue(p, group, bytes);
  }

  /**
   * The node heartbeat: every peer gets a raft batch this turn, empty if no
   * message is queued for it — how peers tell this node is live while its
   * groups are quiesced (src/node/quiescence.ts). Subject to the fault hook.
   */
  heartbeat(): void {
    if (this.closed) return;
    for (const p of this.peers.values()) {
      const fault = this.faults.get(p.id);
      if (fault && fault.drop > 0 && this.random() < fault.drop) continue;
      const mark = (): void => {
        if (this.closed) return;
        p.ping = true;
        this.scheduleFlush();
      };
      if (fault && fault.delayMs > 0) setTimeout(mark, fault.delayMs).unref();
      else mark();
    }
  }

  private scheduleFlush(): void {
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private enqueue(p: Peer, group: number, bytes: Uint8Array): void {
    if (this.closed) return;
    p.queue.push({ group, bytes });
    if (p.queue.length > this.maxQueued) {
      p.queue.shift();
      this.stats.dropped.queueFull++;
    }
    this.scheduleFlush();
  }

  private client(p: Peer): InternalClient {
    if (!p.client) {
      p.client = new (protos().internal.ferrykv.internal.v1.Internal)(p.address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
    }
    return p.client;
  }

  private flush(): void {
    this.flushScheduled = false;
    const now = Date.now();
    for (const p of this.peers.values()) {
      // Back-pressure: while the stream has not drained, messages wait in the bounded queue (the oldest are
      // dropped past its bound; raft retransmits) instead of piling up unbounded in the stream's buffer, where
      // under overload they aged past any use — thousands of groups' votes arriving seconds late, elections
      // timing out and retrying into the same backlog. A pending ping leaves with the next batch.
      if (p.blocked) continue;
      const ping = p.ping;
      p.ping = false;
      if (p.queue.length === 0 && !ping) continue;
      if (now < p.brokenUntil) {
        const batch = p.queue;
        p.queue = [];
        this.stats.dropped.peerBroken += batch.length;
        this.reportUnreachable(p, batch);
        continue;
      }
      if (!p.stream) this.openStream(p);
      const stream = p.stream!;
      // Batches of at most MAX_BATCH_BYTES (a queue that waited on back-pressure can hold far more than
      // one gRPC message may carry), until the stream is full; the rest waits for its drain.
      do {
        const batch = this.takeBatch(p);
        const ok = stream.write({ fromNode: this.opts.nodeId, claim: this.wireClaim, incarnation: this.incarnation, messages: batch.map((x) => Buffer.from(x.bytes.buffer, x.bytes.byteOffset, x.bytes.byteLength)) });
        if (!ok) {
          p.blocked = true;
          this.stats.blocked++;
          stream.once('drain', () => {
            if (p.stream !== stream) return; // closed meanwhile: the close unblocked the peer
            p.blocked = false;
            this.scheduleFlush();
          });
        }
      } while (!p.blocked && p.queue.length > 0);
    }
  }

  /** The oldest queued messages up to MAX_BATCH_BYTES (at least one), taken off the queue. */
  private takeBatch(p: Peer): { group: number; bytes: Uint8Array }[] {
    let n = 0;
    let bytes = 0;
    while (n < p.queue.length && (n === 0 || bytes + p.queue[n]!.bytes.byteLength <= MAX_BATCH_BYTES)) bytes += p.queue[n++]!.bytes.byteLength;
    if (n === p.queue.length) {
      const all = p.queue;
      p.queue = [];
      return all;
    }
    return p.queue.splice(0, n);
  }

  private openStream(p: Peer): void {
    const stream = this.client(p).raft((err) => {
      if (p.stream === stream) {
        p.stream = undefined;
        p.blocked = false;
        if (p.queue.length > 0) this.scheduleFlush();
      }
      p.connected = false;
      if (err && !this.closed && err.details.startsWith(STORE_REFUSED)) this.opts.onRefused(p.id, err.details);
      if (err && !this.closed) {
        p.brokenUntil = Date.now() + p.backoffMs;
        p.backoffMs = Math.min(MAX_BACKOFF_MS, p.backoffMs * 2);
        this.opts.log.debug({ peer: p.id, err: err.message }, 'raft stream closed');
      }
    });
    stream.on('error', () => {
      /* reported through the callback above */
    });
    p.stream = stream;
    p.connected = true;
    // A successful open resets the backoff once the first batch is accepted.
    p.backoffMs = MIN_BACKOFF_MS;
  }

  private reportUnreachable(p: Peer, batch: { group: number }[]): void {
    const groups = new Set(batch.map((b) => b.group));
    for (const g of groups) this.opts.onUnreachable(g, p.id);
  }

  private closePeer(p: Peer): void {
    p.stream?.end();
    p.stream = undefined;
    p.blocked = false;
    p.client?.close();
    p.client = undefined;
    p.connected = false;
  }

  /** Streams a snapshot; resolves true when the receiver accepted it. */
  async sendSnapshot(to: NodeId, group: number, message: Message, chunks: AsyncIterable<{ rows: { key: Uint8Array; value: Uint8Array }[]; bytes: number }>): Promise<boolean> {
    const p = this.peers.get(to);
    if (!p || this.closed) return false;
    const fault = this.faults.get(to);
    if (fault && fault.drop >= 1) return false;
    const rate = this.opts.snapshotBytesPerSec ?? 0;
    return new Promise<boolean>((resolve) => {
      const call = this.client(p).snapshot((err, ack) => {
        if (ack?.reason.startsWith(STORE_REFUSED) === true && !this.closed) this.opts.onRefused(p.id, ack.reason);
        resolve(!err && ack?.accepted === true);
      });
      call.on('error', () => resolve(false));
      void (async () => {
        try {
          const start = Date.now();
          let sent = 0;
          let rows = 0;
          call.write({ groupId: group, fromNode: this.opts.nodeId, claim: this.wireClaim, message: Buffer.from(encodeRaftMessage(group, message)), rows: [], done: false } satisfies SnapshotChunk);
          for await (const c of chunks) {
            if (rate > 0) {
              const dueMs = (sent / rate) * 1000 - (Date.now() - start);
              if (dueMs > 0) await new Promise((r) => setTimeout(r, dueMs));
            }
            const ok = call.write({ groupId: group, rows: c.rows.map((r) => ({ key: Buffer.from(r.key), value: Buffer.from(r.value) })), done: false } satisfies SnapshotChunk);
            sent += c.bytes;
            rows += c.rows.length;
            if (!ok) await new Promise((r) => call.once('drain', r));
          }
          call.write({ groupId: group, rows: [], done: true, totalRows: rows, totalBytes: sent } satisfies SnapshotChunk);
          call.end();
        } catch (e) {
          this.opts.log.warn({ group, peer: to, err: (e as Error).message }, 'snapshot send failed');
          call.cancel();
          resolve(false);
        }
      })();
    });
  }

  forward(to: NodeId, req: ForwardRequest, deadlineMs: number): Promise<ForwardResponse__Output> {
    const p = this.peers.get(to);
    if (!p) return Promise.reject(new Error(`no address for node ${to}`));
    return new Promise((resolve, reject) => {
      this.client(p).forward(req, { deadline: Date.now() + deadlineMs }, (err, res) => {
        if (err || !res) reject(err ?? new Error('empty forward response'));
        else resolve(res);
      });
    });
  }

  close(): void {
    this.closed = true;
    for (const p of this.peers.values()) this.closePeer(p);
  }
}
