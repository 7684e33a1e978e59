// The multi-raft host: every replica this node holds, one ticker, one ready loop.
//
// Ready loop, one turn (DESIGN.md §3):
//   1. hand queued proposals and read requests to each core;
//   2. collect every replica's Ready;
//   3. send the leaders' appends and heartbeats, then persist all their
//      snapshots, entries and hard states in ONE synced LevelDB batch (group
//      commit): followers write in parallel with the leader's fsync;
//   4. send the other messages, once what they vouch for is durable
//      (snapshots stream on the side);
//   5. apply committed entries (each group's writes + applied index in one batch),
//      resolve proposals, serve reads;
//   6. advance each core; compact logs that grew past the policy.
// Nothing is acknowledged before step 5, i.e. before a quorum persisted it.

import type { Logger } from 'pino';
import {
  ConfChangeType,
  EntryType,
  MessageType,
  NONE,
  Raft,
  StateRole,
  decodeConfChange,
  type ConfChange,
  type ConfState,
  type Entry,
  type Message,
  type NodeId,
  type Ready,
} from '../raft/index.js';
import { NodeDb, SharedBatch, type StorageBatch } from '../storage/db.js';
import { readU64, stateKey } from '../storage/keys.js';
import { RaftLogStore } from '../storage/raft-log-store.js';
import { SnapshotIngest, ingestIncomplete, readGroupSnapshot, resumeIngest, type SnapshotChunk } from '../storage/snapshot.js';
import type { Transport } from '../transport/transport.js';
import { CampaignAdmission } from './campaigns.js';
import { Quiescence } from './quiescence.js';
import { firstElection } from './first-election.js';
import { Replica, ReplicaError, type StateMachine } from './replica.js';

export interface GroupBootstrap {
  readonly id: number;
  readonly voters: readonly NodeId[];
  /** Writes the state machine's initial state (part of the index-1 image) in the bootstrap batch. */
  readonly initState?: (b: StorageBatch) => void;
}

export interface NodeHostOptions {
  readonly nodeId: NodeId;
  readonly db: NodeDb;
  readonly log: Logger;
  readonly transport: Transport;
  readonly createStateMachine: (group: number) => Promise<StateMachine>;
  /** Groups of the initial cluster: bootstrapped here if this node is a voter and holds none of it yet. */
  readonly bootstrap: readonly GroupBootstrap[];
  readonly tickMs?: number;
  readonly electionTicks?: number;
  readonly heartbeatTicks?: number;
  /** Compact a group's log once it holds more than this many applied entries. */
  readonly compactLogEntries?: number;
  /** ...or more than this many bytes. */
  readonly compactLogBytes?: number;
  /**
   * Compaction keeps the entries appended within this long (ms), so a node that
   * was down for a short while catches up from the log instead of a full
   * snapshot — up to 8× compactLogEntries entries (bounded disk).
   */
  readonly logRetainMs?: number;
  readonly snapshotChunkBytes?: number;
  /** Called for every applied membership change (the host registers peer addresses). */
  readonly onConfChange?: (group: number, cc: ConfChange) => void;
  readonly onLeaderChange?: (group: number, leader: NodeId, term: number) => void;
  /** Called after each group's apply step: entries applied and the seconds it took. */
  readonly onApply?: (group: number, entries: number, seconds: number) => void;
  /** Called after each turn's persist (the synced write of every group's raft state): the seconds it took. */
  readonly onPersist?: (seconds: number) => void;
  readonly onFatal: (e: Error) => void;
  readonly random?: () => number;
  /** Whether raft traffic of a group may reach this node (a node being replaced takes none until it is a learner again). */
  readonly admit?: (group: number) => boolean;
  /** Idle groups stop being ticked (src/node/quiescence.ts); default on. */
  readonly quiesce?: boolean;
}

/** Default of NodeHostOptions.logRetainMs. */
export const DEFAULT_LOG_RETAIN_MS = 60_000;
/** Groups bootstrapped per synced batch at first start. */
const BOOTSTRAP_BATCH_GROUPS = 500;
/**
 * A Ready committing at least this many bytes of entries applies beside the
 * ready loop, not inside a turn: a 4 MiB IMPORT chunk applied inline held
 * every other group's answers and next persist behind it.
 */
export const BULK_APPLY_BYTES = 512 << 10;

function payloadBytes(entries: readonly Entry[]): number {
  let n = 0;
  for (const e of entries) n += e.data.byteLength;
  return n;
}

/**
 * A leader's appends and heartbeats leave before its own persist; every other
 * message vouches for local state and leaves after (see `turn`, step 1a).
 */
function leavesEarly(m: Message): boolean {
  return m.type === MessageType.App || m.type === MessageType.Heartbeat;
}

/** A ready-loop turn this long (ms) is logged with its steps (`reportSlowTurn`). */
export const SLOW_TURN_MS = 200;

/** What one ready-loop turn spent, step by step, and its slowest parts (for the slow-turn log). */
class TurnReport {
  private readonly t0 = performance.now();
  private last = this.t0;
  private readonly marks: [string, number][] = [];
  slowestApply: { group: number; entries: number; ms: number; slowestCommand: { kind: string; ms: number } | undefined } | undefined;
  readonly compacted: { group: number; entries: number; ms: number }[] = [];
  mark(step: string): void {
    const now = performance.now();
    this.marks.push([step, Math.round(now - this.last)]);
    this.last = now;
  }
  noteApply(r: Replica, entries: number, ms: number): void {
    if (ms > (this.slowestApply?.ms ?? 0)) this.slowestApply = { group: r.group, entries, ms: Math.round(ms), slowestCommand: r.sm.slowestCommand };
  }
  total(): number {
    return this.last - this.t0;
  }
  fields(): Record<string, unknown> {
    return { totalMs: Math.round(this.total()), stepsMs: Object.fromEntries(this.marks), slowestApply: this.slowestApply, compacted: this.compacted };
  }
}

/** Time-based retention keeps at most this many times compactLogEntries entries. */
const RETAIN_CAP_FACTOR = 8;

export class NodeHost {
  readonly replicas = new Map<number, Replica>();
  /** Raft messages that arrived from peers, by type (metrics). */
  readonly received = new Map<string, number>();
  /** Messages for a group this node hosts no replica of, that could not create one (not an append, heartbeat or snapshot). */
  droppedNoReplica = 0;
  private logStore!: RaftLogStore;
  private ticker: NodeJS.Timeout | undefined;
  private loopRunning = false;
  private loopAgain = false;
  private stopped = false;
  private loopIdle: Promise<void> = Promise.resolve();
  private readonly sendingSnapshot = new Set<string>();
  private readonly bytesSinceCompaction = new Map<number, number>();
  readonly tickMs: number;
  private readonly electionTicks: number;
  /** Replicas that may have work for the next turn (a message, a proposal, a tick, a ready). */
  private readonly dirty = new Set<Replica>();
  /** Bounds how many groups of this node campaign at once (src/node/campaigns.ts). */
  readonly campaigns = new CampaignAdmission();
  /** Storage writes of applied entries (one per turn that applied, more when a pass had to read its own writes). */
  applyWrites = 0;
  /** Readies applied beside the ready loop (bulk: at least BULK_APPLY_BYTES committed). */
  bulkApplies = 0;
  /** Turns that took SLOW_TURN_MS or more (a metric). */
  slowTurns = 0;
  /** The report of the turn running (or last run): compactions note themselves in it. */
  private report = new TurnReport();
  readonly quiescence: Quiescence;

  private readonly opts: NodeHostOptions;
  /** The initial groups, until start() has bootstrapped them (then dropped: 0.7 KiB a group). */
  private toBootstrap: readonly GroupBootstrap[];

  constructor(opts: NodeHostOptions) {
    this.opts = { ...opts, bootstrap: [] };
    this.toBootstrap = opts.bootstrap;
    this.tickMs = opts.tickMs ?? 100;
    this.electionTicks = opts.electionTicks ?? 10;
    this.quiescence = new Quiescence(opts.nodeId, this.electionTicks, opts.quiesce ?? true);
  }

  get nodeId(): NodeId {
    return this.opts.nodeId;
  }

  async start(): Promise<void> {
    this.logStore = await RaftLogStore.open(this.opts.db);
    // Every group's initial image is whole in its batch; groups share batches (one fsync per
    // BOOTSTRAP_BATCH_GROUPS, not per group: thousands of groups start in seconds).
    const todo = this.toBootstrap.filter((g) => g.voters.includes(this.opts.nodeId) && !this.logStore.hasGroup(g.id));
    this.toBootstrap = [];
    for (let i = 0; i < todo.length; i += BOOTSTRAP_BATCH_GROUPS) {
      const part = todo.slice(i, i + BOOTSTRAP_BATCH_GROUPS);
      const b = this.opts.db.batch();
      for (const g of part) {
        this.logStore.bootstrap(b, g.id, { voters: [...g.voters], learners: [] });
        g.initState?.(b);
      }
      await b.write({ sync: true });
      for (const g of part) this.opts.log.info({ groupId: g.id, voters: g.voters }, 'bootstrapped group');
    }
    for (const id of this.logStore.groupIds()) await this.openReplica(id);
    this.ticker = setInterval(() => this.tick(), this.tickMs);
    this.schedule();
  }

  private async openReplica(group: number): Promise<Replica> {
    if (await ingestIncomplete(this.opts.db, group)) {
      // A crash interrupted the swap of a complete, staged image: finish it.
      this.opts.log.warn({ groupId: group }, 'finishing an interrupted snapshot install');
      await resumeIngest(this.opts.db, group);
    }
    const storage = this.logStore.group(group);
    const sm = await this.opts.createStateMachine(group);
    const raft = new Raft({
      id: this.opts.nodeId,
      storage,
      applied: Math.min(sm.appliedIndex(), storage.hardState.commit),
      electionTicks: this.electionTicks,
      heartbeatTicks: this.opts.heartbeatTicks ?? 1,
      random: this.opts.random ?? Math.random,
      maxSizePerMsg: 1 << 20,
      maxInflightMsgs: 256,
      mayCampaign: () => this.campaigns.admit(group),
    });
    const r = new Replica(group, raft, storage, sm, this.electionTicks * this.tickMs * 3, () => this.schedule(group));
    const first = firstElection(group, this.opts.nodeId, raft, this.electionTicks);
    r.hold = first.hold;
    if (first.campaign) {
      if (this.campaigns.admit(group)) raft.campaign();
      else raft.campaignAtNextTick(); // through admission: thousands of groups opening at once campaign in waves
    }
    this.replicas.set(group, r);
    this.quiescence.add(r);
    this.dirty.add(r);
    this.opts.log.info({ groupId: group, term: raft.term, commit: raft.log.committed, applied: sm.appliedIndex() }, 'replica opened');
    return r;
  }

  replica(group: number): Replica | undefined {
    const r = this.replicas.get(group);
    return r && !r.removed ? r : undefined;
  }

  /**
   * Wakes the ready loop; given a group, that replica has work (and wakes if
   * quiesced). Without one, every replica is looked at.
   */
  schedule(group?: number): void {
    if (this.stopped) return;
    if (group === undefined) {
      for (const r of this.replicas.values()) this.dirty.add(r);
    } else {
      const r = this.replicas.get(group);
      if (r) {
        this.quiescence.wake(r);
        this.dirty.add(r);
      }
    }
    this.kick();
  }

  /** A raft batch arrived from `peer` (an empty one is its node heartbeat). */
  heardFrom(peer: NodeId, incarnation = ''): void {
    const woken = this.quiescence.heardFrom(peer, incarnation);
    if (woken.length === 0) return; // the batch's messages schedule their own groups (deliver)
    for (const r of woken) this.dirty.add(r);
    this.kick();
  }

  private kick(): void {
    if (this.stopped) return;
    if (this.loopRunning) {
      this.loopAgain = true;
      return;
    }
    this.loopRunning = true;
    this.loopIdle = new Promise((resolve) => {
      setImmediate(() => {
        void this.loop().then(resolve, (e: unknown) => {
          resolve();
          this.opts.onFatal(e instanceof Error ? e : new Error(String(e)));
        });
      });
    });
  }

  private async loop(): Promise<void> {
    try {
      do {
        this.loopAgain = false;
        await this.turn();
      } while (this.loopAgain && !this.stopped);
    } finally {
      this.loopRunning = false;
    }
  }

  /**
   * Ticks the replicas that are awake (a quiesced one is not ticked, nor
   * looked at), and sends every peer the node heartbeat.
   */
  private tick(): void {
    for (const r of this.quiescence.tick()) this.dirty.add(r);
    this.opts.transport.heartbeat();
    for (const r of this.quiescence.awake) {
      if (r.removed) continue;
      if (r.hold) {
        // A new group's first election belongs to its designated voter for a while.
        if (r.raft.lead === NONE && r.hold.tick(this.quiescence.isLive(r.hold.designated))) continue;
        r.hold = undefined;
      }
      this.quiescence.tickReplica(r);
      this.dirty.add(r);
    }
    this.kick();
  }

  /** Delivers raft messages that arrived from a peer. */
  deliver(group: number, m: Message): void {
    this.received.set(m.type, (this.received.get(m.type) ?? 0) + 1);
    if (this.opts.admit && !this.opts.admit(group)) return;
    const r = this.replicas.get(group);
    if (!r) {
      // A leader reaching a node that holds no replica: the node was added to
      // the group. Create an empty replica; the leader sends a snapshot.
      if (m.type !== MessageType.App && m.type !== MessageType.Heartbeat && m.type !== MessageType.Snap) {
        this.droppedNoReplica++;
        return;
      }
      this.createReplica(group).then(
        (nr) => {
          nr.raft.step(m);
          this.schedule(group);
        },
        (e: unknown) => this.opts.log.error({ groupId: group, err: (e as Error).message }, 'cannot create replica'),
      );
      return;
    }
    if (r.removed) return;
    this.quiescence.beforeStep(r, m);
    r.raft.step(m);
    this.quiescence.afterStep(r, m);
    this.dirty.add(r);
    this.kick();
  }

  private creating = new Map<number, Promise<Replica>>();
  private createReplica(group: number): Promise<Replica> {
    let p = this.creating.get(group);
    if (!p) {
      p = this.openReplica(group);
      this.creating.set(group, p);
      void p.finally(() => this.creating.delete(group));
    }
    return p;
  }

  reportUnreachable(group: number, peer: NodeId): void {
    this.replicas.get(group)?.raft.reportUnreachable(peer);
  }

  private async turn(): Promise<void> {
    const work: { r: Replica; rd: Ready }[] = [];
    // Only replicas with work are looked at: a turn costs what the groups with work cost.
    const candidates = [...this.dirty];
    this.dirty.clear();
    for (const r of candidates) {
      if (r.removed) continue;
      if (r.installing || r.applying) {
        this.dirty.add(r); // looked at again once the install or bulk apply is done (each schedules)
        continue;
      }
      r.flushQueues();
      if (r.raft.hasReady()) work.push({ r, rd: r.raft.ready() });
      // An admitted campaign's slot is free once the replica is a follower or leader again (or never left follower).
      this.campaigns.roleChanged(r.group, r.raft.role);
    }
    if (work.length === 0) return;
    let release: () => void = () => {};
    const busy = new Promise<void>((res) => (release = res));
    for (const { r } of work) r.busy = busy;
    const report = (this.report = new TurnReport());
    try {
      // 1a. A leader's appends and heartbeats leave before its own fsync, so the
      // followers persist in parallel with it (Raft thesis §10.2.1; etcd does
      // the same): one fsync instead of two on a write's path. Raft counts the
      // leader's own entries as it appends them, so acks arriving meanwhile may
      // move the commit index in memory, but nothing of it is applied, answered
      // or sent before this persist is done: that takes a later Ready, and the
      // next turn starts only after this one. Everything else (a follower's
      // acks, votes) leaves only once what it vouches for is durable.
      const early = new Set<Replica>();
      for (const { r, rd } of work) {
        if (r.raft.role !== StateRole.Leader || rd.messages.length === 0) continue;
        early.add(r);
        for (const m of rd.messages) if (leavesEarly(m)) this.opts.transport.send(r.group, m);
      }
      await this.persist(work);
      report.mark('persist');
      // 2. Send.
      this.sendReady(work, early);
      // 3. Apply every group into one write (cross-group batching: a turn that
      // applies for many groups costs one storage write, not one per group).
      // A group whose committed entries are bulk (a migration's IMPORT
      // chunks, large batches) applies beside the loop instead, into its own
      // write: the other groups' callers are answered, and their next turn
      // persists, without waiting for it (head-of-line, issue 19).
      const applied = new SharedBatch(this.opts.db);
      const results = new Map<Replica, Map<number, unknown>>();
      const inline: { r: Replica; rd: Ready }[] = [];
      for (const w of work) {
        const { r, rd } = w;
        if (!rd.snapshot && (payloadBytes(rd.committedEntries) >= BULK_APPLY_BYTES || r.sm.isBulk?.(rd.committedEntries) === true)) {
          this.applyBeside(r, rd);
          continue;
        }
        inline.push(w);
        if (rd.snapshot) await r.sm.reload();
        if (rd.committedEntries.length > 0) {
          const t0 = performance.now();
          results.set(r, await r.sm.applyEntries(rd.committedEntries, applied));
          const ms = performance.now() - t0;
          this.opts.onApply?.(r.group, rd.committedEntries.length, ms / 1000);
          report.noteApply(r, rd.committedEntries.length, ms);
        }
      }
      report.mark('send+apply');
      await applied.flush();
      this.applyWrites += applied.writes;
      report.mark('applyWrite');
      // 4. Resolve, advance: only now is what applied in storage.
      for (const { r, rd } of inline) await this.afterApply(r, rd, results.get(r));
      report.mark('advance+compact');
    } finally {
      release();
    }
    this.reportSlowTurn(report, work.length);
    // Work handed in during this turn (proposals, messages) needs another turn.
    for (const { r } of work) {
      if (!r.removed && (r.hasQueuedWork() || r.raft.hasReady())) {
        this.dirty.add(r);
        this.loopAgain = true;
      }
    }
  }

  /** Step 2 of a turn: every message not sent early, and the role changes. */
  private sendReady(work: readonly { r: Replica; rd: Ready }[], early: ReadonlySet<Replica>): void {
    for (const { r, rd } of work) {
      for (const m of rd.messages) {
        if (early.has(r) && leavesEarly(m)) continue;
        if (m.type === MessageType.Snap) this.sendSnapshot(r, m);
        else this.opts.transport.send(r.group, m);
      }
      if (rd.softState) {
        r.onSoftState(rd.softState);
        this.opts.log.debug({ groupId: r.group, role: rd.softState.role, leader: rd.softState.leader, term: r.raft.term }, 'raft role');
      }
      if (rd.softState && rd.softState.leader !== 0) this.opts.onLeaderChange?.(r.group, rd.softState.leader, r.raft.term);
    }
  }

  private lastSlowTurnLog = 0;

  /** A turn that held every group of the node for SLOW_TURN_MS or more is counted, and logged with its steps (at most once a second). */
  private reportSlowTurn(report: TurnReport, groups: number): void {
    if (report.total() < SLOW_TURN_MS) return;
    this.slowTurns++;
    const now = performance.now();
    if (now - this.lastSlowTurnLog < 1000) return;
    this.lastSlowTurnLog = now;
    this.opts.log.warn({ ...report.fields(), groups }, 'slow raft turn: every group of this node waited for it');
  }

  /** Step 4 of a turn for one replica: its applied entries are in storage; answer, advance, compact. */
  private async afterApply(r: Replica, rd: Ready, res: Map<number, unknown> | undefined): Promise<void> {
    if (res) {
      r.sm.afterWrite();
      // Resolve the callers of these entries first: they did apply. Applying
      // this node's own removal fails every waiter left (failAll), which
      // used to answer UNAVAILABLE to the RemoveMember call that removed a
      // leader and to writes applied in the same batch.
      r.onApplied(rd.committedEntries, res);
      for (const e of rd.committedEntries) if (e.type === EntryType.ConfChange) this.onConfChangeApplied(r, e);
    }
    r.onReadStates(rd.readStates);
    r.raft.advance();
    r.wakeApplyWaiters();
    await this.maybeCompact(r);
  }

  /**
   * Applies a replica's bulk Ready beside the ready loop (steps 3 and 4 for
   * this replica alone, in its own storage write). Its raft state of this
   * Ready is already durable and its messages sent; until it settles, turns
   * leave the replica alone (no new Ready before this one is advanced), so
   * its applies stay in log order, and a snapshot install waits for it.
   */
  private applyBeside(r: Replica, rd: Ready): void {
    const run = async (): Promise<void> => {
      const own = new SharedBatch(this.opts.db);
      const t0 = performance.now();
      const res = await r.sm.applyEntries(rd.committedEntries, own);
      this.opts.onApply?.(r.group, rd.committedEntries.length, (performance.now() - t0) / 1000);
      await own.flush();
      this.applyWrites += own.writes;
      this.bulkApplies++;
      await this.afterApply(r, rd, res);
    };
    r.applying = run().then(
      () => {
        r.applying = undefined;
        this.schedule(r.group);
      },
      (e: unknown) => {
        r.applying = undefined;
        this.opts.onFatal(e instanceof Error ? e : new Error(String(e)));
      },
    );
  }

  /** Step 1 of a turn: every group's raft state in one batch, synced if anything must be durable. */
  private async persist(work: readonly { r: Replica; rd: Ready }[]): Promise<void> {
    const b = this.opts.db.batch();
    let sync = false;
    for (const { r, rd } of work) {
      if (rd.snapshot) {
        this.logStore.applySnapshot(b, r.group, rd.snapshot.meta);
        sync = true;
      }
      if (rd.entries.length > 0) {
        this.logStore.append(b, r.group, rd.entries);
        this.bytesSinceCompaction.set(r.group, (this.bytesSinceCompaction.get(r.group) ?? 0) + payloadBytes(rd.entries));
        sync = true;
      }
      if (rd.hardState) {
        this.logStore.setHardState(b, r.group, rd.hardState);
        sync = true;
      }
    }
    if (b.size.ops === 0) return b.discard();
    const t0 = performance.now();
    await b.write({ sync });
    this.opts.onPersist?.((performance.now() - t0) / 1000);
  }

  private onConfChangeApplied(r: Replica, e: Entry): void {
    const cc = decodeConfChange(e.data);
    this.opts.onConfChange?.(r.group, cc);
    this.opts.log.info({ groupId: r.group, index: e.index, type: ConfChangeType[cc.type], member: cc.nodeId }, 'membership change applied');
    if (cc.type === ConfChangeType.RemoveNode && cc.nodeId === this.opts.nodeId) {
      r.removed = true;
      this.quiescence.forget(r);
      this.campaigns.forget(r.group);
      r.failAll(new ReplicaError('UNAVAILABLE', `node removed from group ${r.group}`));
      this.opts.log.warn({ groupId: r.group }, 'this node was removed from the group; replica stopped');
    }
  }

  /** (index, when) samples of each group's last index, one a second at most: how old the log's entries are. */
  private readonly appendSamples = new Map<number, { index: number; atMs: number }[]>();

  /** The last index the group had appended by `cutoffMs` (0 if none is that old: keep everything). */
  private appendedBefore(group: number, cutoffMs: number): number {
    let index = 0;
    for (const s of this.appendSamples.get(group) ?? []) {
      if (s.atMs > cutoffMs) break;
      index = s.index;
    }
    return index;
  }

  private sampleAppends(r: Replica): void {
    const now = performance.now();
    let samples = this.appendSamples.get(r.group);
    if (!samples) this.appendSamples.set(r.group, (samples = []));
    const last = samples[samples.length - 1];
    const index = r.storage.lastIndex();
    // An unchanged index needs no new sample (the last one still says what the log held then): an idle group keeps one.
    if (last && (now - last.atMs < 1000 || last.index === index)) return;
    samples.push({ index, atMs: now });
    const horizon = now - 2 * (this.opts.logRetainMs ?? DEFAULT_LOG_RETAIN_MS);
    while (samples.length > 2 && samples[1]!.atMs < horizon) samples.shift();
  }

  private async maybeCompact(r: Replica): Promise<void> {
    this.sampleAppends(r);
    const applied = r.sm.appliedIndex();
    const first = r.storage.firstIndex();
    const entries = applied - first + 1;
    const limit = this.opts.compactLogEntries ?? 10_000;
    const bytes = this.bytesSinceCompaction.get(r.group) ?? 0;
    if (entries <= limit && bytes <= (this.opts.compactLogBytes ?? 64 << 20)) return;
    // Keep a tail so briefly lagging followers catch up from the log, not a snapshot.
    const keep = Math.floor(limit / 2);
    let upTo = Math.min(applied, r.raft.log.applied, r.storage.lastIndex()) - keep;
    if (r.isLeader() && entries < 4 * limit) {
      // Entries a reachable follower still needs stay, so one catching up (or
      // installing a snapshot) does not need another snapshot; past 4× the
      // limit the log is compacted anyway (bounded disk and memory).
      for (const [id, p] of r.raft.status().progress) {
        if (id !== this.opts.nodeId && p.recentActive) upTo = Math.min(upTo, p.match);
      }
    }
    // Entries of the last logRetainMs stay (a short outage needs no snapshot), up to 8× the limit.
    const retainedFrom = this.appendedBefore(r.group, performance.now() - (this.opts.logRetainMs ?? DEFAULT_LOG_RETAIN_MS));
    upTo = Math.min(upTo, retainedFrom);
    upTo = Math.min(Math.max(upTo, r.storage.lastIndex() - RETAIN_CAP_FACTOR * limit), applied, r.raft.log.applied);
    // Compact in steps of at least half the limit, not a few entries every turn.
    if (upTo - first < keep) return;
    const b = this.opts.db.batch();
    this.logStore.createSnapshot(b, r.group, { index: upTo, term: r.storage.term(upTo), confState: r.raft.confStateAt(upTo) });
    this.logStore.compact(b, r.group, upTo);
    const t0 = performance.now();
    await b.write({ sync: false });
    this.report.compacted.push({ group: r.group, entries: upTo - first + 1, ms: Math.round(performance.now() - t0) });
    this.bytesSinceCompaction.set(r.group, 0);
    this.opts.log.debug({ groupId: r.group, index: upTo }, 'log compacted');
  }

  /**
   * Streams a consistent image of the group's data. Its metadata (index,
   * term, configuration) is read from the same LevelDB snapshot as the data,
   * so the image is exactly the state at that applied index.
   */
  private sendSnapshot(r: Replica, m: Message): void {
    const key = `${r.group}:${m.to}`;
    if (this.sendingSnapshot.has(key)) return;
    this.sendingSnapshot.add(key);
    void (async () => {
      let ok = false;
      const snap = this.opts.db.level.snapshot();
      try {
        const raw = await this.opts.db.level.get(stateKey(r.group, 'applied'), { snapshot: snap });
        const index = raw === undefined ? 0 : Number(readU64(raw, 0));
        const term = r.raft.log.term(index);
        if (index === 0 || term === undefined) throw new Error(`no snapshot point (applied ${index})`);
        const confState: ConfState = r.raft.confStateAt(index);
        const msg: Message = { ...m, snapshot: { meta: { index, term, confState }, data: new Uint8Array(0) } };
        this.opts.log.info({ groupId: r.group, peer: m.to, index }, 'sending snapshot');
        ok = await this.opts.transport.sendSnapshot(m.to, r.group, msg, readGroupSnapshot(this.opts.db, r.group, this.opts.snapshotChunkBytes ?? 1 << 20, snap));
      } catch (e) {
        this.opts.log.warn({ groupId: r.group, peer: m.to, err: (e as Error).message }, 'snapshot not sent');
      } finally {
        await snap.close().catch(() => {});
        this.sendingSnapshot.delete(key);
        if (!r.removed) {
          r.raft.reportSnapshot(m.to, ok);
          this.schedule(r.group);
        }
      }
    })();
  }

  /**
   * Installs a snapshot streamed by a leader. Returns whether it was accepted.
   * The image is staged first (the replica keeps serving and applying); only a
   * complete image, still newer than what the replica has committed, replaces
   * its state — the raft log is never discarded, as a leader counts on the
   * entries this node acknowledged.
   */
  async receiveSnapshot(group: number, m: Message, chunks: AsyncIterable<SnapshotChunk>): Promise<{ accepted: boolean; reason: string }> {
    const meta = m.snapshot?.meta;
    if (!meta) return { accepted: false, reason: 'snapshot message without metadata' };
    if (this.opts.admit && !this.opts.admit(group)) return { accepted: false, reason: `group ${group}: this node is being replaced and takes no traffic of the group yet` };
    const r = this.replicas.get(group) ?? (await this.createReplica(group));
    const refuse = (reason: string): { accepted: boolean; reason: string } => {
      this.opts.log.info({ groupId: group, index: meta.index, from: m.from, reason }, 'snapshot refused');
      return { accepted: false, reason };
    };
    if (r.removed) return refuse('replica removed');
    if (r.receiving) return refuse('another snapshot is being received');
    if (meta.index <= r.raft.log.committed) return refuse(`already committed ${r.raft.log.committed} ≥ ${meta.index}`);
    r.receiving = true;
    try {
      const ingest = new SnapshotIngest(this.opts.db, group);
      await ingest.begin();
      let rows = 0;
      try {
        for await (const c of chunks) {
          await ingest.add(c);
          rows += c.rows.length;
        }
      } catch (e) {
        // Only staging was written; the replica's state is untouched.
        return refuse(`stream failed: ${(e as Error).message}`);
      }
      r.installing = true;
      try {
        await r.busy; // let the current ready-loop turn finish with this replica
        await r.applying; // and a bulk apply beside it
        if (meta.index <= r.raft.log.committed) return refuse(`committed ${r.raft.log.committed} ≥ ${meta.index} while receiving`);
        await ingest.finish();
        // The data is now at meta.index: entries at or below it must not apply again.
        await r.sm.reload();
      } finally {
        r.installing = false;
      }
      this.opts.log.info({ groupId: group, index: meta.index, from: m.from, rows }, 'snapshot ingested');
    } finally {
      r.receiving = false;
    }
    // The image is committed state: the log learns of it whatever the term is now. The message
    // that announced it is as old as the stream (seconds): stepping it would drop it if the term
    // moved on (and the leader would send the whole image again), or else restart the election
    // timer as if its sender — perhaps dead by now — had just spoken, so this node would ignore
    // the votes that replace it. The sender is told where this log reaches now (else it resumed
    // from its own compaction point and, with the log compacted meanwhile, sent the image again).
    r.raft.installSnapshot(m.snapshot, m.from);
    this.schedule(group);
    return { accepted: true, reason: '' };
  }

  /** Stops ticking and accepting work, lets the current turn finish, fails waiters. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.ticker) clearInterval(this.ticker);
    await this.loopIdle;
    for (const r of this.replicas.values()) await r.applying;
    const e = new ReplicaError('UNAVAILABLE', 'node is shutting down');
    for (const r of this.replicas.values()) r.failAll(e);
  }
}
