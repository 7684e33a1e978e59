// Deterministic Raft cluster simulator.
//
// N in-memory nodes run the real core (src/raft) against MemoryStorage, over a
// simulated network that drops, duplicates, delays and reorders messages and
// can be partitioned (symmetrically or one way). Nodes crash and restart with
// only their durable state (storage; the state machine is rebuilt from the
// snapshot and log). Clients propose, read and change membership while faults
// happen. Everything is drawn from one seeded RNG, so a seed replays exactly.
//
// One step = one tick of virtual time: every live node ticks, then the
// messages due at this time are delivered (in random order) until none are
// due, then random fault / client events fire. Invariants are checked after
// every step; after the fault phase the network heals and liveness is checked.

import {
  ConfChangeType,
  EntryType,
  MemoryStorage,
  MessageType,
  Raft,
  RaftError,
  StateRole,
  decodeConfChange,
  nodeId,
  type Entry,
  type Message,
  type NodeId,
  type Snapshot,
  type UnsafeFailpoints,
} from '../../src/raft/index.js';
import { rng } from '../../testkit/rng.js';

export { rng };

export interface SimOptions {
  readonly seed: number;
  readonly nodes: 3 | 5;
  /** Steps (ticks) of the fault phase. */
  readonly steps: number;
  /** Ticks allowed after healing for a leader and a new commit to appear. */
  readonly livenessTicks?: number;
  readonly unsafe?: UnsafeFailpoints;
  readonly preVote?: boolean;
  readonly checkQuorum?: boolean;
  /**
   * Quiescence as src/node/quiescence.ts does it: idle leaders quiesce their
   * followers, nodes exchange node heartbeats (dropped and cut like messages),
   * quiesced replicas are not ticked, work and messages wake them, and
   * followers wake when their leader's node stops being live. Clients are
   * quieter in this mode, so groups do sit idle.
   */
  readonly quiesce?: boolean;
  /** Lease reads (readOnlyOption 'lease'): with quiescence, a lease must not survive quiesced time. */
  readonly lease?: boolean;
  /** Planted bug (quiesce mode): followers never wake when their leader's node dies. */
  readonly plantNeverWake?: boolean;
  /** Planted bug (quiesce mode): a woken core is not told the ticks it missed (a lease outlives the quiescence). */
  readonly plantWakeForgetsTicks?: boolean;
  /** Planted bug (quiesce mode): a quiesced leader never wakes when a follower's node dies (it reports it active). */
  readonly plantLeaderSleepsOn?: boolean;
  /**
   * Planted bug: every node, not just a leader, sends a Ready's messages
   * before persisting it — a follower acknowledges entries (and a voter
   * grants votes) it may lose in the crash before its fsync.
   */
  readonly plantEarlyAcks?: boolean;
}

export interface SimCounters {
  elections: number;
  commits: number;
  snapshotsInstalled: number;
  confChanges: number;
  partitions: number;
  asymmetricPartitions: number;
  leaderTransfers: number;
  crashes: number;
  /** A crash after a Ready's messages left but before it was persisted (a leader's appends go out before its fsync). */
  crashesBeforePersist: number;
  restarts: number;
  reads: number;
  drops: number;
  duplicates: number;
  /** Quiesce mode only. */
  quiesced?: number;
  woken?: number;
  wokenByLiveness?: number;
  /** A crash of a leader while its group was quiesced. */
  quiescedLeaderCrashes?: number;
  /** A quiesced leader woken because a member's node stopped being live. */
  leadersWokenByLiveness?: number;
}

export interface SimResult {
  readonly seed: number;
  readonly ok: boolean;
  readonly violation?: string;
  readonly step: number;
  readonly traceHash: number;
  readonly counters: SimCounters;
}

export class Violation extends Error {}


function fnv(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619) >>> 0;
  }
  return h;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** The replicated state machine: an ordered list of applied payloads, hashed. */
interface AppState {
  index: number;
  hash: number;
  payloads: string[];
}

function encodeState(s: AppState): Uint8Array {
  return enc.encode(JSON.stringify(s));
}

function decodeState(d: Uint8Array, snapshotIndex: number): AppState {
  // The bootstrap snapshot carries no state.
  if (d.byteLength === 0) return { index: snapshotIndex, hash: 2166136261, payloads: [] };
  return JSON.parse(dec.decode(d)) as AppState;
}

interface SimNode {
  readonly id: NodeId;
  raft: Raft;
  readonly storage: MemoryStorage;
  app: AppState;
  alive: boolean;
  /** Destroyed after being removed from the cluster. */
  removed: boolean;
  compactEvery: number;
  /** Quiesce mode: the step this replica quiesced at (not ticked since). */
  quiescedAt: number | undefined;
  quietTicks: number;
  /** Quiesce mode: the step a node heartbeat from each peer last arrived, and the peer's incarnation then. */
  readonly heardAt: Map<NodeId, number>;
  readonly seenIncarnation: Map<NodeId, number>;
  /** Quiesce mode: the peers this node counted live at its last tick (src/node/quiescence.ts `live`). */
  readonly live: Set<NodeId>;
  /** A new one at every (re)start. */
  readonly incarnation: number;
}

/** Quiesce mode: a leader quiesces after this many idle ticks (src/node/quiescence.ts QUIET_TICKS). */
const QUIET_TICKS = 3;

interface InFlight {
  readonly at: number;
  readonly seq: number;
  readonly m: Message;
}

const ELECTION_TICKS = 10;
const MAX_DELAY_TICKS = 3;

export class Simulator {
  private readonly r: () => number;
  private readonly nodes = new Map<NodeId, SimNode>();
  private readonly opts: SimOptions;
  private now = 0;
  private seq = 0;
  private queue: InFlight[] = [];
  private trace = 2166136261;
  readonly counters: SimCounters = {
    elections: 0,
    commits: 0,
    snapshotsInstalled: 0,
    confChanges: 0,
    partitions: 0,
    asymmetricPartitions: 0,
    leaderTransfers: 0,
    crashes: 0,
    crashesBeforePersist: 0,
    restarts: 0,
    reads: 0,
    drops: 0,
    duplicates: 0,
  };
  // fault state
  private cut = new Set<string>();
  private dropRate = 0.05;
  private dupRate = 0.02;
  private nextNodeId: number;
  private readonly maxNodeId: number;
  // invariant state
  private readonly leaderOfTerm = new Map<number, NodeId>();
  /** `${index}:${term}` → payload hash: one entry per (index, term). */
  private readonly entryAt = new Map<string, string>();
  /** index → state hash after applying it (state machine safety). */
  private readonly stateHashAt = new Map<number, number>();
  /** index → term of the entry known committed at that index. */
  private readonly committedTermAt = new Map<number, number>();
  private maxCommitted = 0;
  /** Payloads a client was told are committed, with their index. */
  private readonly acked = new Map<string, number>();
  private proposalSeq = 0;
  /** Pending client proposals: payload → proposing node, term, index. */
  private readonly pending = new Map<string, { node: NodeId; term: number; index: number }>();
  /** Read contexts → the highest acknowledged index when the read began. */
  private readonly readsInFlight = new Map<string, { floor: number; node: NodeId; at: number }>();
  private readSeq = 0;
  private transferTarget: { to: NodeId; term: number } | undefined;
  /** Node → the step it last crashed at. */
  private readonly crashedAt = new Map<NodeId, number>();
  private incarnations = 0;
  private lastLeader: NodeId | undefined;
  /** The fault phase (crashes happen only in it: liveness is checked after healing). */
  private faulting = true;

  constructor(opts: SimOptions) {
    this.opts = opts;
    this.r = rng(opts.seed * 2654435761 + 1);
    if (opts.quiesce) Object.assign(this.counters, { quiesced: 0, woken: 0, wokenByLiveness: 0, quiescedLeaderCrashes: 0, leadersWokenByLiveness: 0 });
    const voters: NodeId[] = [];
    for (let i = 1; i <= opts.nodes; i++) voters.push(nodeId(i));
    for (const id of voters) this.startNode(id, new MemoryStorage({ voters, learners: [] }));
    this.nextNodeId = opts.nodes + 1;
    this.maxNodeId = opts.nodes + 4;
  }

  // ----------------------------------------------------------------- running

  run(): SimResult {
    let step = 0;
    try {
      for (; step < this.opts.steps; step++) {
        this.step(true);
        this.checkInvariants();
      }
      this.faulting = false;
      this.healAll();
      this.checkLiveness();
      return { seed: this.opts.seed, ok: true, step, traceHash: this.trace, counters: this.counters };
    } catch (e) {
      const violation = e instanceof Error ? e.message : String(e);
      return { seed: this.opts.seed, ok: false, violation, step, traceHash: this.trace, counters: this.counters };
    }
  }

  private step(faults: boolean): void {
    this.now++;
    if (this.opts.quiesce) this.nodeHeartbeats();
    for (const n of this.liveNodes()) {
      if (this.opts.quiesce) {
        this.tickQuiescing(n);
      } else {
        n.raft.tick();
      }
      this.cycle(n);
    }
    this.deliverDue();
    if (faults) this.randomEvents();
    else this.clientEvents();
    this.deliverDue();
  }

  private liveNodes(): SimNode[] {
    const out: SimNode[] = [];
    for (const n of this.nodes.values()) if (n.alive) out.push(n);
    return out;
  }

  private startNode(id: NodeId, storage: MemoryStorage): SimNode {
    const snap = storage.snapshot();
    const app = decodeState(snap.data, snap.meta.index);
    const raft = new Raft({
      id,
      storage,
      electionTicks: ELECTION_TICKS,
      heartbeatTicks: 1,
      applied: snap.meta.index,
      maxSizePerMsg: 4096,
      maxInflightMsgs: 4,
      preVote: this.opts.preVote ?? true,
      checkQuorum: this.opts.checkQuorum ?? true,
      ...(this.opts.lease ? { readOnlyOption: 'lease' as const } : {}),
      random: this.r,
      ...(this.opts.unsafe ? { unsafe: this.opts.unsafe } : {}),
    });
    const node: SimNode = {
      id,
      raft,
      storage,
      app: { ...app, payloads: [...app.payloads] },
      alive: true,
      removed: false,
      compactEvery: 10 + Math.floor(this.r() * 30),
      quiescedAt: undefined,
      quietTicks: 0,
      heardAt: new Map(),
      seenIncarnation: new Map(),
      live: new Set(),
      incarnation: ++this.incarnations,
    };
    this.nodes.set(id, node);
    return node;
  }

  /** One Ready cycle: persist, send, apply, advance — then maybe compact. */
  private cycle(n: SimNode): void {
    if (!n.alive || !n.raft.hasReady()) return;
    const rd = n.raft.ready();
    if (rd.softState?.role === StateRole.Leader) this.onNewLeader(n);
    if (rd.snapshot) this.installSnapshot(n, rd.snapshot);
    for (const e of rd.entries) this.checkEntryUnique(e);
    // As the node host does: a leader's appends and heartbeats leave before its
    // own fsync; everything else after. A crash may fall between the two.
    const early = (m: Message): boolean => this.opts.plantEarlyAcks === true || (n.raft.role === StateRole.Leader && (m.type === MessageType.App || m.type === MessageType.Heartbeat));
    const first = rd.messages.filter(early);
    for (const m of first) this.sendMessage(m);
    if (this.faulting && first.length > 0 && (rd.entries.length > 0 || rd.hardState) && this.r() < 0.01) {
      this.counters.crashesBeforePersist++;
      this.crashNode(n);
      return;
    }
    n.storage.append(rd.entries);
    if (rd.hardState) n.storage.setHardState(rd.hardState);
    for (const m of rd.messages) if (!early(m)) this.sendMessage(m);
    for (const e of rd.committedEntries) this.apply(n, e);
    for (const rs of rd.readStates) this.onReadState(n, rs.index, rs.context);
    n.raft.advance();
    this.maybeCompact(n);
    if (n.removed) {
      // Destroyed once it applied its own removal: from here it is silent, as if it crashed now.
      n.alive = false;
      this.crashedAt.set(n.id, this.now);
    }
  }

  private installSnapshot(n: SimNode, s: Snapshot): void {
    const st = decodeState(s.data, s.meta.index);
    if (st.index !== s.meta.index) throw new Violation(`snapshot meta index ${s.meta.index} ≠ state index ${st.index}`);
    const known = this.stateHashAt.get(st.index);
    if (known !== undefined && known !== st.hash) {
      throw new Violation(`node ${n.id} installed a snapshot at ${st.index} whose state differs`);
    }
    n.storage.applySnapshot(s);
    n.app = { index: st.index, hash: st.hash, payloads: [...st.payloads] };
    this.counters.snapshotsInstalled++;
    this.mix(`snap:${n.id}:${st.index}`);
  }

  private maybeCompact(n: SimNode): void {
    const applied = n.app.index;
    if (applied - n.storage.firstIndex() < n.compactEvery || applied > n.storage.lastIndex()) return;
    n.storage.createSnapshot(applied, n.raft.confStateAt(applied), encodeState(n.app));
    const keep = Math.floor(this.r() * 4);
    n.storage.compact(Math.max(n.storage.firstIndex(), applied - keep));
  }

  private apply(n: SimNode, e: Entry): void {
    if (e.index !== n.app.index + 1) {
      throw new Violation(`node ${n.id} applied index ${e.index} after ${n.app.index}`);
    }
    const payload = e.type === EntryType.Normal ? dec.decode(e.data) : `cc:${dec.decode(e.data.subarray(1))}`;
    n.app.index = e.index;
    n.app.hash = fnv(n.app.hash, `${e.term}/${payload}`);
    if (e.type === EntryType.Normal && e.data.byteLength > 0) n.app.payloads.push(payload);
    // State machine safety: no two nodes apply different entries at one index.
    const known = this.stateHashAt.get(e.index);
    if (known === undefined) {
      this.stateHashAt.set(e.index, n.app.hash);
      this.committedTermAt.set(e.index, e.term);
      if (e.index > this.maxCommitted) this.maxCommitted = e.index;
      this.counters.commits++;
      if (e.type === EntryType.ConfChange) this.counters.confChanges++;
    } else if (known !== n.app.hash) {
      throw new Violation(`state machine safety: node ${n.id} applied a different entry at index ${e.index}`);
    }
    if (e.type === EntryType.ConfChange) this.onConfChangeApplied(n, e);
    const p = this.pending.get(payload);
    if (p && p.node === n.id && e.index === p.index && e.term === p.term) {
      // The proposer applied its own entry: the client is told it committed.
      this.acked.set(payload, e.index);
      this.pending.delete(payload);
    }
  }

  private onConfChangeApplied(n: SimNode, e: Entry): void {
    const cc = decodeConfChange(e.data);
    if (cc.type === ConfChangeType.RemoveNode && cc.nodeId === n.id) n.removed = true;
  }

  // ----------------------------------------------------------------- network

  private sendMessage(m: Message): void {
    if (this.r() < this.dropRate) {
      this.counters.drops++;
      this.reportSnapshotIfAny(m, false);
      return;
    }
    const copies = this.r() < this.dupRate ? 2 : 1;
    if (copies === 2) this.counters.duplicates++;
    for (let i = 0; i < copies; i++) {
      const delay = Math.floor(this.r() * (MAX_DELAY_TICKS + 1));
      this.queue.push({ at: this.now + delay, seq: this.seq++, m });
    }
  }

  private reportSnapshotIfAny(m: Message, ok: boolean): void {
    if (m.type !== MessageType.Snap) return;
    const from = this.nodes.get(m.from);
    if (from?.alive) {
      this.wake(from);
      from.raft.reportSnapshot(m.to, ok);
      this.cycle(from);
    }
  }

  private deliverDue(): void {
    for (let guard = 0; guard < 10_000; guard++) {
      const due: InFlight[] = [];
      const later: InFlight[] = [];
      for (const f of this.queue) (f.at <= this.now ? due : later).push(f);
      if (due.length === 0) return;
      this.queue = later;
      // Reorder: deliver due messages in a random order.
      for (let i = due.length - 1; i > 0; i--) {
        const j = Math.floor(this.r() * (i + 1));
        [due[i], due[j]] = [due[j]!, due[i]!];
      }
      for (const f of due) this.deliver(f.m);
    }
    throw new Violation('message storm: deliveries did not settle within one tick');
  }

  private deliver(m: Message): void {
    const to = this.nodes.get(m.to);
    if (!to?.alive || this.cut.has(`${m.from}->${m.to}`)) {
      this.counters.drops++;
      this.reportSnapshotIfAny(m, false);
      return;
    }
    this.mix(`${m.type}:${m.from}>${m.to}:${m.term}:${m.index}:${m.entries.length}`);
    if (this.opts.quiesce && m.type !== MessageType.HeartbeatResp) this.wake(to);
    to.raft.step(m);
    if (this.opts.quiesce && to.quiescedAt === undefined && this.idle(to) && to.raft.mayQuiesceOn(m)) this.sleep(to);
    this.cycle(to);
    this.reportSnapshotIfAny(m, true);
  }

  private mix(s: string): void {
    this.trace = fnv(this.trace, s);
  }

  // ------------------------------------------------------------------ events

  private pick<T>(xs: readonly T[]): T | undefined {
    if (xs.length === 0) return undefined;
    return xs[Math.floor(this.r() * xs.length)];
  }

  private leader(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const n of this.liveNodes()) {
      if (n.raft.role === StateRole.Leader && (!best || n.raft.term > best.raft.term)) best = n;
    }
    return best;
  }

  private clientEvents(): void {
    // Quiesce mode: fewer, so the group sits idle between bursts of work.
    if (this.r() < (this.opts.quiesce ? 0.06 : 0.3)) this.propose();
    if (this.r() < (this.opts.quiesce ? 0.02 : 0.05)) this.read();
  }

  // -------------------------------------------------------------- quiescence

  /** Every live node sends every peer a node heartbeat; drops and cuts apply. */
  private nodeHeartbeats(): void {
    for (const a of this.liveNodes()) {
      for (const b of this.liveNodes()) {
        if (a === b || this.cut.has(`${a.id}->${b.id}`) || this.r() < this.dropRate) continue;
        const seen = b.seenIncarnation.get(a.id);
        b.seenIncarnation.set(a.id, a.incarnation);
        // A restarted peer leads nothing: followers quiesced under it wake with its leadership given up.
        if (seen !== undefined && seen !== a.incarnation && b.quiescedAt !== undefined && b.raft.role !== StateRole.Leader && b.raft.lead === a.id && !this.opts.plantNeverWake) {
          this.wake(b, false);
          this.counters.wokenByLiveness!++;
        }
        b.heardAt.set(a.id, this.now);
      }
    }
  }

  private isLive(n: SimNode, peer: NodeId): boolean {
    if (peer === n.id) return true;
    const at = n.heardAt.get(peer);
    return at !== undefined && this.now - at <= ELECTION_TICKS;
  }

  /** Nothing this node's clients wait on: no proposal of its current term, no read. */
  private idle(n: SimNode): boolean {
    for (const p of this.pending.values()) if (p.node === n.id && p.term === n.raft.term) return false;
    // A read nobody answered is given up on after a while (the node's read timeout).
    for (const r of this.readsInFlight.values()) if (r.node === n.id && this.now - r.at < 3 * ELECTION_TICKS) return false;
    return true;
  }

  private tickQuiescing(n: SimNode): void {
    const silent = this.peersGoneSilent(n);
    if (n.quiescedAt !== undefined) {
      // A follower whose leader's node went silent wakes (unless the planted bug forgets to).
      if (!this.opts.plantNeverWake && n.raft.role !== StateRole.Leader && !this.isLive(n, n.raft.lead)) {
        this.wake(n);
        this.counters.wokenByLiveness!++;
      } else if (!this.opts.plantLeaderSleepsOn && n.raft.role === StateRole.Leader && this.memberWentSilent(n, silent)) {
        // A quiesced leader is not ticked: awake, its CheckQuorum counts the silent member out.
        this.wake(n);
        this.counters.leadersWokenByLiveness!++;
      } else {
        return;
      }
    }
    if (this.idle(n) && n.raft.canQuiesce()) {
      if (++n.quietTicks >= QUIET_TICKS) {
        n.raft.quiesce();
        this.sleep(n);
        return;
      }
    } else {
      n.quietTicks = 0;
    }
    n.raft.tick();
  }

  private sleep(n: SimNode): void {
    n.quiescedAt = this.now;
    n.quietTicks = 0;
    this.counters.quiesced!++;
    this.mix(`quiesce:${n.id}`);
  }

  private wake(n: SimNode, leaderHeard = true): void {
    if (n.quiescedAt === undefined) return;
    const at = !leaderHeard ? undefined : n.raft.lead === n.id ? this.now : n.heardAt.get(n.raft.lead);
    n.raft.wake(this.opts.plantWakeForgetsTicks ? 0 : this.now - n.quiescedAt, at === undefined ? undefined : this.now - at);
    n.quiescedAt = undefined;
    n.quietTicks = 0;
    this.counters.woken!++;
    this.mix(`wake:${n.id}`);
  }

  /** The peers that stopped being live since this node's last tick (as the host's Quiescence.tick finds them). */
  private peersGoneSilent(n: SimNode): NodeId[] {
    for (const [peer] of n.heardAt) if (peer !== n.id && this.isLive(n, peer)) n.live.add(peer);
    const silent = [...n.live].filter((peer) => !this.isLive(n, peer));
    for (const peer of silent) n.live.delete(peer);
    return silent;
  }

  /** Whether one of `silent` is a member of this leader's group. */
  private memberWentSilent(n: SimNode, silent: readonly NodeId[]): boolean {
    if (silent.length === 0) return false;
    const cs = n.raft.confState();
    return silent.some((p) => cs.voters.includes(p) || cs.learners.includes(p));
  }

  /** No leader counts a member active long after the member's node crashed (membership checks read this). */
  private checkDeadFollowersCountedOut(): void {
    for (const n of this.liveNodes()) {
      if (n.raft.role !== StateRole.Leader) continue;
      for (const [id, pr] of n.raft.status().progress) {
        const f = this.nodes.get(id);
        const deadSince = f && !f.alive ? this.crashedAt.get(id) : undefined;
        if (id !== n.id && pr.recentActive && deadSince !== undefined && this.now - deadSince > 3 * ELECTION_TICKS) {
          throw new Violation(`leader ${n.id} still counts node ${id} active ${this.now - deadSince} ticks after it crashed`);
        }
      }
    }
  }

  /** No replica sleeps under a leader that crashed long ago (the wake by node liveness works). */
  private checkNoneAsleepUnderDeadLeader(): void {
    for (const n of this.liveNodes()) {
      if (n.quiescedAt === undefined || n.raft.role === StateRole.Leader) continue;
      const l = this.nodes.get(n.raft.lead);
      const deadSince = l && !l.alive ? this.crashedAt.get(l.id) : undefined;
      if (deadSince !== undefined && this.now - deadSince > 3 * ELECTION_TICKS) {
        throw new Violation(`node ${n.id} is still quiesced ${this.now - deadSince} ticks after its leader ${l!.id} crashed`);
      }
    }
  }

  private randomEvents(): void {
    this.clientEvents();
    const x = this.r();
    if (x < 0.015) this.crash();
    else if (x < 0.03) this.partition();
    else if (x < 0.045) this.heal();
    else if (x < 0.06) this.changeMembership();
    else if (x < 0.07) this.transferLeader();
    else if (x < 0.075) this.setLossRates();
    for (const n of this.nodes.values()) {
      // Quiesce mode: crashed nodes stay down longer, so followers must find a dead leader by node liveness.
      if (!n.alive && !n.removed && this.r() < (this.opts.quiesce ? 0.03 : 0.08)) this.restart(n);
    }
  }

  private propose(): void {
    const l = this.leader();
    if (!l) return;
    const k = 1 + Math.floor(this.r() * 3);
    const payloads: string[] = [];
    for (let i = 0; i < k; i++) payloads.push(`p${++this.proposalSeq}`);
    this.wake(l);
    try {
      const first = l.raft.propose(payloads.map((p) => enc.encode(p)));
      payloads.forEach((p, i) => this.pending.set(p, { node: l.id, term: l.raft.term, index: first + i }));
    } catch (e) {
      if (!(e instanceof RaftError)) throw e;
    }
    this.cycle(l);
  }

  private read(): void {
    const n = this.pick(this.liveNodes());
    if (!n) return;
    const ctx = `r${++this.readSeq}`;
    this.wake(n);
    // A linearizable read must observe every write acknowledged before it began.
    let floor = 0;
    for (const idx of this.acked.values()) if (idx > floor) floor = idx;
    try {
      n.raft.readIndex(ctx);
      this.readsInFlight.set(ctx, { floor, node: n.id, at: this.now });
    } catch (e) {
      if (!(e instanceof RaftError)) throw e;
    }
    this.cycle(n);
  }

  private onReadState(n: SimNode, index: number, ctx: string): void {
    const floor = this.readsInFlight.get(ctx)?.floor;
    if (floor === undefined) return; // duplicate delivery
    this.readsInFlight.delete(ctx);
    if (index < floor) {
      throw new Violation(`stale read: node ${n.id} read index ${index} < acknowledged write at ${floor} (${ctx})`);
    }
    this.counters.reads++;
  }

  private crash(): void {
    const n = this.pick(this.liveNodes());
    if (n) this.crashNode(n);
  }

  private crashNode(n: SimNode): void {
    n.alive = false;
    this.counters.crashes++;
    this.crashedAt.set(n.id, this.now);
    if (this.opts.quiesce && n.quiescedAt !== undefined && n.raft.role === StateRole.Leader) this.counters.quiescedLeaderCrashes!++;
    this.mix(`crash:${n.id}`);
  }

  private restart(n: SimNode): void {
    // Only durable state survives: storage. The state machine is rebuilt from
    // the snapshot, and the core replays committed entries after it.
    this.startNode(n.id, n.storage);
    this.counters.restarts++;
    this.mix(`restart:${n.id}`);
  }

  private partition(): void {
    this.cut.clear();
    const ids = [...this.nodes.keys()];
    const side = new Set(ids.filter(() => this.r() < 0.5));
    const asymmetric = this.r() < 0.3;
    for (const a of ids) {
      for (const b of ids) {
        if (side.has(a) && !side.has(b)) {
          this.cut.add(`${a}->${b}`);
          if (!asymmetric) this.cut.add(`${b}->${a}`);
        }
      }
    }
    this.counters.partitions++;
    if (asymmetric) this.counters.asymmetricPartitions++;
    this.mix(`partition:${[...side].join(',')}:${asymmetric}`);
  }

  private heal(): void {
    this.cut.clear();
    this.mix('heal');
  }

  private setLossRates(): void {
    this.dropRate = this.r() * 0.2;
    this.dupRate = this.r() * 0.1;
  }

  private changeMembership(): void {
    const l = this.leader();
    if (!l) return;
    const cs = l.raft.confState();
    const x = this.r();
    this.wake(l);
    try {
      if (x < 0.35 && this.nextNodeId <= this.maxNodeId) {
        const id = nodeId(this.nextNodeId);
        l.raft.proposeConfChange({ type: ConfChangeType.AddLearner, nodeId: id });
        this.nextNodeId++;
        this.startNode(id, new MemoryStorage());
      } else if (x < 0.7 && cs.learners.length > 0) {
        const id = this.pick(cs.learners)!;
        l.raft.proposeConfChange({ type: ConfChangeType.AddVoter, nodeId: id });
      } else if (cs.voters.length + cs.learners.length > 3) {
        const id = this.pick([...cs.voters, ...cs.learners])!;
        if (cs.voters.includes(id) && cs.voters.length <= 2) return;
        l.raft.proposeConfChange({ type: ConfChangeType.RemoveNode, nodeId: id });
      } else {
        return;
      }
    } catch (e) {
      if (!(e instanceof RaftError)) throw e;
    }
    this.cycle(l);
  }

  private transferLeader(): void {
    const l = this.leader();
    if (!l) return;
    const target = this.pick(l.raft.confState().voters.filter((v) => v !== l.id));
    if (target === undefined) return;
    this.wake(l);
    l.raft.transferLeader(target);
    this.transferTarget = { to: target, term: l.raft.term };
    this.cycle(l);
  }

  private onNewLeader(n: SimNode): void {
    this.counters.elections++;
    const t = this.transferTarget;
    if (t && t.to === n.id && n.raft.term === t.term + 1) this.counters.leaderTransfers++;
    this.lastLeader = n.id;
    this.mix(`leader:${n.id}:${n.raft.term}`);
    this.checkLeaderCompleteness(n);
  }

  // -------------------------------------------------------------- invariants

  private checkEntryUnique(e: Entry): void {
    // Log matching, part 1: at most one entry per (index, term).
    const key = `${e.index}:${e.term}`;
    const h = `${e.type}/${dec.decode(e.data)}`;
    const known = this.entryAt.get(key);
    if (known === undefined) this.entryAt.set(key, h);
    else if (known !== h) throw new Violation(`log matching: two different entries at index ${e.index} term ${e.term}`);
  }

  private checkLeaderCompleteness(n: SimNode): void {
    // Every entry known committed must be in a new leader's log.
    const c = this.maxCommitted;
    if (c === 0) return;
    if (n.raft.log.lastIndex() < c) {
      throw new Violation(`leader completeness: leader ${n.id} (term ${n.raft.term}) lacks committed index ${c}`);
    }
    const first = n.raft.log.firstIndex();
    for (let i = Math.max(first - 1, c - 5); i <= c; i++) {
      const want = this.committedTermAt.get(i);
      const got = n.raft.log.term(i);
      if (want !== undefined && got !== undefined && want !== got) {
        throw new Violation(`leader completeness: leader ${n.id} has term ${got} at committed index ${i} (want ${want})`);
      }
    }
  }

  private checkInvariants(): void {
    // Election safety: at most one leader per term.
    for (const n of this.liveNodes()) {
      if (n.raft.role !== StateRole.Leader) continue;
      const l = this.leaderOfTerm.get(n.raft.term);
      if (l === undefined) this.leaderOfTerm.set(n.raft.term, n.id);
      else if (l !== n.id) throw new Violation(`election safety: nodes ${l} and ${n.id} both lead term ${n.raft.term}`);
    }
    if (this.now % 8 === 0) this.checkLogMatching();
    if (this.opts.quiesce) {
      this.checkNoneAsleepUnderDeadLeader();
      this.checkDeadFollowersCountedOut();
    }
  }

  /** Log matching, part 2: logs that agree at an index agree on every earlier index. */
  private checkLogMatching(): void {
    const nodes = [...this.nodes.values()].filter((n) => !n.removed);
    for (let a = 0; a < nodes.length; a++) {
      for (let b = a + 1; b < nodes.length; b++) {
        const la = nodes[a]!.raft.log;
        const lb = nodes[b]!.raft.log;
        const lo = Math.max(la.firstIndex(), lb.firstIndex());
        const hi = Math.min(la.lastIndex(), lb.lastIndex());
        let agreed = false;
        for (let i = hi; i >= lo; i--) {
          const ta = la.term(i);
          const tb = lb.term(i);
          if (ta === tb) agreed = true;
          else if (agreed) {
            throw new Violation(`log matching: nodes ${nodes[a]!.id} and ${nodes[b]!.id} agree above index ${i} but differ at it`);
          }
        }
      }
    }
  }

  // --------------------------------------------------------------- liveness

  private healAll(): void {
    this.cut.clear();
    this.dropRate = 0;
    this.dupRate = 0;
    for (const n of this.nodes.values()) {
      if (!n.removed && !n.alive) this.restart(n);
    }
    this.mix('heal-all');
  }

  private members(): Set<NodeId> {
    const l = this.leader();
    const cs = l ? l.raft.confState() : { voters: [], learners: [] };
    return new Set([...cs.voters, ...cs.learners]);
  }

  private checkLiveness(): void {
    const bound = this.opts.livenessTicks ?? 40 * ELECTION_TICKS;
    const marker = `final-${this.opts.seed}`;
    let proposedAt: { node: NodeId; term: number; index: number } | undefined;
    for (let t = 0; t < bound; t++) {
      this.step(false);
      this.checkInvariants();
      this.destroyRemovedReplicas();
      const l = this.leader();
      if (l && (!proposedAt || proposedAt.term !== l.raft.term || proposedAt.node !== l.id)) {
        if (!this.pending.has(marker) && !this.acked.has(marker)) {
          this.wake(l);
          try {
            const idx = l.raft.propose([enc.encode(marker)]);
            proposedAt = { node: l.id, term: l.raft.term, index: idx };
            this.pending.set(marker, proposedAt);
          } catch (e) {
            if (!(e instanceof RaftError)) throw e;
          }
          this.cycle(l);
        }
      }
      if (this.pending.has(marker) && proposedAt && this.leader()?.raft.term !== proposedAt.term) {
        this.pending.delete(marker); // leadership changed: propose again
        proposedAt = undefined;
      }
      if (this.acked.has(marker) && this.allMembersCaughtUp()) return;
    }
    const l = this.leader();
    throw new Violation(
      `liveness: ${bound} ticks after healing, leader=${l ? l.id : 'none'}, final entry ${
        this.acked.has(marker) ? 'committed' : 'not committed'
      }, members caught up=${this.allMembersCaughtUp()}`,
    );
  }

  /**
   * An operator destroys replicas that the leader's applied config no longer
   * lists but that missed their own removal (they hold a log; a node added a
   * moment ago and not yet contacted holds none).
   */
  private destroyRemovedReplicas(): void {
    const l = this.leader();
    if (!l || l.raft.log.applied < l.raft.log.committed) return;
    const members = this.members();
    for (const n of this.nodes.values()) {
      if (n.alive && !members.has(n.id) && n.storage.lastIndex() > 0) {
        n.alive = false;
        n.removed = true;
      }
    }
  }

  /** Every live member applied every acknowledged entry. */
  private allMembersCaughtUp(): boolean {
    let maxAcked = 0;
    for (const idx of this.acked.values()) if (idx > maxAcked) maxAcked = idx;
    const members = this.members();
    if (members.size === 0) return false;
    for (const id of members) {
      const n = this.nodes.get(id);
      if (!n?.alive) continue;
      if (n.app.index < maxAcked) return false;
    }
    // Acknowledged payloads are all present (their order is checked by hashes).
    for (const id of members) {
      const n = this.nodes.get(id);
      if (!n?.alive) continue;
      const have = new Set(n.app.payloads);
      for (const p of this.acked.keys()) {
        if (!have.has(p)) throw new Violation(`node ${id} is missing acknowledged entry ${p}`);
      }
    }
    return true;
  }
}

export function runSeed(opts: SimOptions): SimResult {
  return new Simulator(opts).run();
}
