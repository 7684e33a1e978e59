// One replica of one Raft group on this node: the raft core, its durable log,
// its state machine, and the clients waiting on it (proposals and reads).
//
// Proposals and read-index requests are queued and handed to the core once per
// ready-loop turn (batching at every hop). A proposal resolves when the entry
// at its index is applied with the term it was proposed in; if another term's
// entry is applied there, it was overwritten and never applied: the caller may
// retry. A read resolves once the group applied at least its read index.

import { Raft, RaftError, StateRole, type Entry, type NodeId, type ReadState } from '../raft/index.js';
import type { SharedBatch } from '../storage/db.js';
import type { GroupLogStorage } from '../storage/raft-log-store.js';
import type { ElectionHold } from './first-election.js';

export class ReplicaError extends Error {
  constructor(
    readonly code: 'NOT_LEADER' | 'UNAVAILABLE' | 'OVERLOADED' | 'TOO_LARGE' | 'INVALID',
    message: string,
    readonly leader?: NodeId,
  ) {
    super(message);
    this.name = 'ReplicaError';
  }
}

interface PendingProposal {
  readonly term: number;
  readonly resolve: (result: unknown) => void;
  readonly reject: (e: Error) => void;
}

interface QueuedProposal {
  readonly data: Uint8Array;
  readonly resolve: (result: unknown) => void;
  readonly reject: (e: Error) => void;
}

interface ReadWaiter {
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
}

/** A read-index request handed to the core, not yet confirmed. */
interface PendingRead {
  readonly waiters: ReadWaiter[];
  /** Fails the waiters when the read is not confirmed in time. */
  readonly timer: NodeJS.Timeout;
  /** Sends the request again (a lost request or answer is not retransmitted by raft). */
  retry: NodeJS.Timeout | undefined;
}

/** The state machine contract the node host drives. */
export interface StateMachine {
  /**
   * Applies committed entries in order; returns results by log index. Given
   * `into`, the writes go into that batch (the host turn's, shared by every
   * group applying in it) and the host writes it, then calls afterWrite.
   */
  applyEntries(entries: readonly Entry[], into?: SharedBatch): Promise<Map<number, unknown>>;
  /** The shared batch an apply went into is written. */
  afterWrite(): void;
  /** Index of the last entry whose effects are in the state machine's storage. */
  appliedIndex(): number;
  /**
   * Whether these committed entries hold a bulk command (a GC or clearing
   * step, a migration step, a digest): the host applies such a Ready beside
   * its ready loop, so the other groups of the node do not wait for it.
   */
  isBulk?(entries: readonly Entry[]): boolean;
  /** The slowest command of the last applyEntries, if the machine tracks it (slow-turn reports). */
  readonly slowestCommand?: { kind: string; ms: number } | undefined;
  /** Re-reads state after a snapshot image replaced the group's data. */
  reload(): Promise<void>;
}

const MAX_QUEUED_PROPOSALS = 10_000;
const MAX_QUEUED_READS = 10_000;

export class Replica {
  installing = false;
  /**
   * A bulk apply of this replica running beside the ready loop (NodeHost:
   * BULK_APPLY_BYTES); the loop leaves the replica alone until it settles.
   */
  applying: Promise<void> | undefined = undefined;
  /** A snapshot stream for this group is being staged. */
  receiving = false;
  removed = false;
  /** Entries proposed by this replica while leader (a metric). */
  proposedEntries = 0;
  /** Serializes ready-loop work and snapshot installs on this replica. */
  busy: Promise<void> = Promise.resolve();
  private queued: QueuedProposal[] = [];
  // The three maps below exist only while something waits (an idle replica of
  // thousands on a node holds none: 0.5 KiB a group).
  private pending: Map<number, PendingProposal> | undefined;
  private readCtxSeq = 0;
  private readQueue: ReadWaiter[] = [];
  private readsByCtx: Map<string, PendingRead> | undefined;
  /** Reads whose request is due to be sent again (handed to the core on the next turn). */
  private readsDue: Set<string> | undefined;
  private readonly applyWaiters: { index: number; waiter: ReadWaiter }[] = [];
  /** Whether the last soft state seen said this replica leads. */
  private leading = false;
  /** The host tick at which this replica quiesced (it is not ticked); undefined while awake. */
  quiescedAt: number | undefined = undefined;
  /** Consecutive ticks this leader could have quiesced. */
  quietTicks = 0;
  /** While set, this replica's election timer stands still while no leader is known (src/node/first-election.ts). */
  hold: ElectionHold | undefined = undefined;

  constructor(
    readonly group: number,
    public raft: Raft,
    readonly storage: GroupLogStorage,
    readonly sm: StateMachine,
    private readonly readTimeoutMs: number,
    /** Wakes the host's ready loop: queued work is handed to the core on its next turn. */
    private readonly wake: () => void = () => {},
    /**
     * An unconfirmed read index is asked again after this long. Raft resends
     * the leader's heartbeats that confirm a read, but not a follower's
     * request to the leader nor the leader's answer: one lost to a peer
     * connection that was still opening failed the read at readTimeoutMs.
     */
    private readonly readRetryMs: number = Math.max(1, Math.floor(readTimeoutMs / 5)),
  ) {}

  isLeader(): boolean {
    return this.raft.role === StateRole.Leader;
  }

  leader(): NodeId {
    return this.raft.lead;
  }

  /** Queues a command; resolves with the state machine's result once applied. */
  propose(data: Uint8Array): Promise<unknown> {
    if (!this.isLeader()) return Promise.reject(this.notLeader());
    if (this.queued.length >= MAX_QUEUED_PROPOSALS) {
      return Promise.reject(new ReplicaError('OVERLOADED', `group ${this.group}: ${this.queued.length} proposals queued`));
    }
    return new Promise((resolve, reject) => {
      this.queued.push({ data, resolve, reject });
      this.wake();
    });
  }

  /** Resolves when this replica has applied everything committed before the call (linearizable read point). */
  readBarrier(): Promise<void> {
    if (this.readQueue.length >= MAX_QUEUED_READS) {
      return Promise.reject(new ReplicaError('OVERLOADED', `group ${this.group}: ${this.readQueue.length} reads queued`));
    }
    return new Promise((resolve, reject) => {
      this.readQueue.push({ resolve, reject });
      this.wake();
    });
  }

  /** Resolves once the applied index reaches `index`. */
  waitApplied(index: number): Promise<void> {
    if (this.sm.appliedIndex() >= index) return Promise.resolve();
    return new Promise((resolve, reject) => this.applyWaiters.push({ index, waiter: { resolve, reject } }));
  }

  notLeader(): ReplicaError {
    const lead = this.raft.lead;
    if (lead === 0) return new ReplicaError('UNAVAILABLE', `group ${this.group} has no leader`);
    return new ReplicaError('NOT_LEADER', `node is not the leader of group ${this.group}`, lead);
  }

  /** Hands queued proposals and reads to the core (called at the start of a ready-loop turn). */
  flushQueues(): void {
    if (this.queued.length > 0) {
      const batch = this.queued;
      this.queued = [];
      if (!this.isLeader()) {
        const e = this.notLeader();
        for (const q of batch) q.reject(e);
      } else {
        try {
          const first = this.raft.propose(batch.map((q) => q.data));
          this.proposedEntries += batch.length;
          const term = this.raft.term;
          const pending = (this.pending ??= new Map());
          batch.forEach((q, i) => pending.set(first + i, { term, resolve: q.resolve, reject: q.reject }));
        } catch (e) {
          const err = mapRaftError(e, this.group);
          for (const q of batch) q.reject(err);
        }
      }
    }
    const due = this.readsDue;
    this.readsDue = undefined;
    for (const ctx of due ?? []) {
      const r = this.readsByCtx?.get(ctx);
      if (!r) continue;
      try {
        // Same context: a leader still confirming it ignores the copy; one that answered already (the answer was lost) answers again.
        this.raft.readIndex(ctx);
      } catch (e) {
        // No leader known now: asked again at the next retry (failed at the read timeout). Anything else fails the read.
        if (!(e instanceof RaftError && e.code === 'NO_LEADER')) {
          this.failRead(ctx, r, mapRaftError(e, this.group));
          continue;
        }
      }
      this.armRetry(ctx, r);
    }
    if (this.readQueue.length > 0) {
      const waiters = this.readQueue;
      this.readQueue = [];
      const ctx = `${this.group}:${++this.readCtxSeq}`;
      try {
        this.raft.readIndex(ctx);
        const timer = setTimeout(() => {
          const r = this.readsByCtx?.get(ctx);
          if (r) this.failRead(ctx, r, new ReplicaError('UNAVAILABLE', `group ${this.group}: read index not confirmed in ${this.readTimeoutMs} ms`));
        }, this.readTimeoutMs);
        timer.unref();
        const r: PendingRead = { waiters, timer, retry: undefined };
        (this.readsByCtx ??= new Map()).set(ctx, r);
        this.armRetry(ctx, r);
      } catch (e) {
        const err = mapRaftError(e, this.group);
        for (const w of waiters) w.reject(err);
      }
    }
  }

  private armRetry(ctx: string, r: PendingRead): void {
    // dropRead clears this timer: when it fires, the read is still pending.
    r.retry = setTimeout(() => {
      r.retry = undefined;
      (this.readsDue ??= new Set()).add(ctx);
      this.wake();
    }, this.readRetryMs);
    r.retry.unref();
  }

  private dropRead(ctx: string, r: PendingRead): void {
    this.readsByCtx?.delete(ctx);
    if (this.readsByCtx?.size === 0) this.readsByCtx = undefined;
    this.readsDue?.delete(ctx);
    if (this.readsDue?.size === 0) this.readsDue = undefined; // lazy, like readsByCtx: an idle group holds none
    clearTimeout(r.timer);
    if (r.retry) clearTimeout(r.retry);
  }

  private failRead(ctx: string, r: PendingRead, e: Error): void {
    this.dropRead(ctx, r);
    for (const w of r.waiters) w.reject(e);
  }

  /** Read states from a Ready: each becomes a wait for that applied index. */
  onReadStates(states: readonly ReadState[]): void {
    for (const rs of states) {
      const r = this.readsByCtx?.get(rs.context);
      if (!r) continue;
      this.dropRead(rs.context, r);
      for (const w of r.waiters) this.applyWaiters.push({ index: rs.index, waiter: w });
    }
  }

  /** Resolves proposals whose entries were applied, and reads now satisfied. */
  onApplied(entries: readonly Entry[], results: Map<number, unknown>): void {
    const pending = this.pending;
    if (pending) {
      for (const e of entries) {
        const p = pending.get(e.index);
        if (!p) continue;
        pending.delete(e.index);
        if (p.term === e.term) p.resolve(results.get(e.index));
        else p.reject(new ReplicaError('UNAVAILABLE', `group ${this.group}: proposal at ${e.index} was replaced after a leader change; not applied`));
      }
      if (pending.size === 0) this.pending = undefined;
    }
    this.wakeApplyWaiters();
  }

  wakeApplyWaiters(): void {
    if (this.applyWaiters.length === 0) return;
    const applied = this.sm.appliedIndex();
    let i = 0;
    while (i < this.applyWaiters.length) {
      const w = this.applyWaiters[i]!;
      if (w.index <= applied) {
        this.applyWaiters.splice(i, 1);
        w.waiter.resolve();
      } else {
        i++;
      }
    }
  }

  /**
   * Leadership changes (a Ready's soft state). A leader that steps down —
   * CheckQuorum found no quorum, or a higher term arrived — answers its
   * waiting callers at once instead of letting them wait out their deadline:
   * proposals fail UNAVAILABLE (ambiguous: the entry may still commit under
   * the new leader, so a retry must reuse its request id), reads NOT_LEADER.
   */
  onSoftState(ss: { readonly role: StateRole; readonly leader: NodeId }): void {
    const wasLeader = this.leading;
    this.leading = ss.role === StateRole.Leader;
    if (!wasLeader || this.leading) return;
    const hint = ss.leader !== 0 ? ss.leader : undefined;
    const lost = new ReplicaError('UNAVAILABLE', `group ${this.group}: this node lost the leadership while the proposal was in flight; it may still commit: retry with the same request id`, hint);
    for (const p of this.pending?.values() ?? []) p.reject(lost);
    this.pending = undefined;
    const notLeader = hint ? new ReplicaError('NOT_LEADER', `group ${this.group}: this node is no longer the leader`, hint) : new ReplicaError('UNAVAILABLE', `group ${this.group} has no leader`);
    for (const [ctx, r] of [...(this.readsByCtx ?? [])]) this.failRead(ctx, r, notLeader);
  }

  /** Fails every waiter (shutdown or replica removal). */
  failAll(e: Error): void {
    for (const q of this.queued) q.reject(e);
    this.queued = [];
    for (const p of this.pending?.values() ?? []) p.reject(e);
    this.pending = undefined;
    for (const w of this.readQueue) w.reject(e);
    this.readQueue = [];
    for (const [ctx, r] of [...(this.readsByCtx ?? [])]) this.failRead(ctx, r, e);
    for (const w of this.applyWaiters) w.waiter.reject(e);
    this.applyWaiters.length = 0;
  }

  /** Nobody waits on this replica: nothing queued, proposed, read or awaited. */
  idle(): boolean {
    return this.queued.length === 0 && (this.pending?.size ?? 0) === 0 && this.readQueue.length === 0 && (this.readsByCtx?.size ?? 0) === 0 && this.applyWaiters.length === 0;
  }

  hasQueuedWork(): boolean {
    return this.queued.length > 0 || this.readQueue.length > 0 || (this.readsDue?.size ?? 0) > 0;
  }
}

export function mapRaftError(e: unknown, group: number): Error {
  if (!(e instanceof RaftError)) return e instanceof Error ? e : new Error(String(e));
  switch (e.code) {
    case 'NOT_LEADER':
      return new ReplicaError('NOT_LEADER', `group ${group}: ${e.message}`, e.leaderHint);
    case 'NO_LEADER':
    case 'TRANSFER_IN_PROGRESS':
      return new ReplicaError('UNAVAILABLE', `group ${group}: ${e.message}`);
    case 'UNCOMMITTED_LIMIT':
    case 'TOO_MANY_PENDING_READS':
      return new ReplicaError('OVERLOADED', `group ${group}: ${e.message}`);
    case 'PROPOSAL_TOO_LARGE':
      return new ReplicaError('TOO_LARGE', `group ${group}: ${e.message}`);
    default:
      return new ReplicaError('INVALID', `group ${group}: ${e.message}`);
  }
}
