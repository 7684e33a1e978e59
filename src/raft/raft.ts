// The Raft consensus core: a deterministic state machine.
//
// Driven by `tick()`, `step(message)` and `propose(...)`; it hands work back
// through `ready()` (what to persist, send, apply) and is told `advance()` when
// the host has done it. It performs no I/O, reads no clock and draws random
// numbers only from the injected `random`. Shape after the etcd raft library
// (see docs/raft.md); safety rules are asserted where they are enforced.
//
// Membership changes are single-server changes that take effect when applied
// (on `advance()`), one at a time; a new leader may not propose one before an
// entry of its own term is applied (the known fix for single-server changes).

import { decodeConfChange, encodeConfChange } from './confchange.js';
import { RaftError, assert } from './errors.js';
import { RaftLog } from './log.js';
import { Progress, ProgressState } from './progress.js';
import type { Storage } from './storage.js';
import {
  ConfChangeType,
  EntryType,
  MessageType,
  NONE,
  StateRole,
  entriesSize,
  message,
  type ConfChange,
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  type NodeId,
  type ReadState,
  type Ready,
  type Snapshot,
  type SoftState,
} from './types.js';

export type ReadOnlyOption = 'safe' | 'lease';

/**
 * Test-only failpoints: deliberately broken rules that let tests show the
 * simulator catches safety violations. Never set in production.
 */
export interface UnsafeFailpoints {
  /** Commit entries of previous terms by counting replicas (Raft paper, Figure 8). */
  readonly commitPreviousTermEntries?: boolean;
  /** Grant votes without checking that the candidate's log is up to date. */
  readonly grantVoteWithoutLogCheck?: boolean;
}

export interface RaftConfig {
  readonly id: NodeId;
  readonly storage: Storage;
  /** Ticks a follower waits for a leader before campaigning (randomized in [t, 2t)). */
  readonly electionTicks?: number;
  /** Ticks between leader heartbeats. */
  readonly heartbeatTicks?: number;
  /** Last index the host has applied (restart resumes after it). */
  readonly applied?: number;
  /** Byte bound of the entries in one append message. */
  readonly maxSizePerMsg?: number;
  /** Inflight window per follower in Replicate state, in messages. */
  readonly maxInflightMsgs?: number;
  /** Inflight window per follower, in bytes (0: unbounded). */
  readonly maxInflightBytes?: number;
  /** Largest single entry accepted by `propose`. */
  readonly maxProposalBytes?: number;
  /** Bound on proposed but not yet applied bytes on the leader. */
  readonly maxUncommittedBytes?: number;
  /** Byte bound of committed entries handed out in one Ready. */
  readonly maxCommittedBytesPerReady?: number;
  /** Bound on queued read-index requests on the leader. */
  readonly maxPendingReads?: number;
  readonly preVote?: boolean;
  readonly checkQuorum?: boolean;
  /** 'lease' requires checkQuorum; see docs/raft.md for its clock assumption. */
  readonly readOnlyOption?: ReadOnlyOption;
  /** Lease = electionTicks − this margin (ticks), to absorb tick-rate drift. */
  readonly leaseMarginTicks?: number;
  /** Injected RNG in [0, 1) for election timeouts. */
  readonly random: () => number;
  /**
   * Asked when the election timer fires (admission: a host bounds how many of
   * its groups campaign at once). False defers the campaign by 1–2 ticks; the
   * replica stays a follower meanwhile and takes any leader it hears.
   */
  readonly mayCampaign?: () => boolean;
  readonly unsafe?: UnsafeFailpoints;
}

interface ReadRequest {
  readonly index: number;
  readonly from: NodeId;
  readonly context: string;
  readonly acks: Set<NodeId>;
}

export interface ProgressStatus {
  readonly match: number;
  readonly next: number;
  readonly state: ProgressState;
  readonly recentActive: boolean;
  readonly isLearner: boolean;
  readonly inflight: number;
}

export interface RaftStatus {
  readonly id: NodeId;
  readonly term: number;
  readonly vote: NodeId;
  readonly commit: number;
  readonly applied: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly role: StateRole;
  readonly leader: NodeId;
  readonly leadTransferee: NodeId;
  readonly confState: ConfState;
  /** Only on the leader. */
  readonly progress: ReadonlyMap<NodeId, ProgressStatus>;
}

const DEFAULTS = {
  electionTicks: 10,
  heartbeatTicks: 1,
  maxSizePerMsg: 1 << 20,
  maxInflightMsgs: 256,
  maxInflightBytes: 0,
  maxProposalBytes: 8 << 20,
  maxUncommittedBytes: 64 << 20,
  maxCommittedBytesPerReady: 16 << 20,
  maxPendingReads: 8192,
  leaseMarginTicks: 2,
};

const TRANSFER_CONTEXT = 'transfer';
const NO_FAILPOINTS: UnsafeFailpoints = Object.freeze({});
/** Heartbeat context: the leader is quiescing the group (the host stops ticking it; docs/architecture.md "Quiescence"). */
export const QUIESCE_CONTEXT = '\u0000quiesce';

/** A pre-candidate refused by a voter asks again within this many ticks. */
const PREVOTE_RETRY_TICKS = 3;
/** Pre-vote rounds that retry within a few ticks before the retries back off. */
const QUICK_PREVOTE_ROUNDS = 3;
/** The longest a pre-candidate waits between rounds, in election timeouts (a random wait in the upper half of it). */
const MAX_PREVOTE_BACKOFF_TIMEOUTS = 4;

export class Raft {
  readonly id: NodeId;
  term = 0;
  vote: NodeId = NONE;
  lead: NodeId = NONE;
  role: StateRole = StateRole.Follower;
  readonly log: RaftLog;

  private readonly voters = new Set<NodeId>();
  private readonly learners = new Set<NodeId>();
  private readonly progress = new Map<NodeId, Progress>();
  /** Configuration as of the log's compaction point (firstIndex − 1). */
  private baseConf: ConfState = { voters: [], learners: [] };
  /** Configurations set by entries in the log after the base, in index order. */
  private confLog: { index: number; cs: ConfState }[] = [];
  /** Votes of the current election (undefined outside one: most groups of a node are not electing). */
  private votes: Map<NodeId, boolean> | undefined;
  private msgs: Message[] = [];
  private readStates: ReadState[] = [];

  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  /** Ticks until a pre-candidate asks again (chosen when it becomes one). */
  private preVoteRetryTicks = 0;
  /** Pre-vote rounds since this node last knew a leader or won a pre-vote: past the quick ones, each waits twice as long as the one before. */
  private preVoteRounds = 0;
  /** Logical clock: ticks since this instance started (lease reads). */
  private ticks = 0;
  private leadTransferee: NodeId = NONE;
  private pendingConfIndex = 0;
  private uncommittedBytes = 0;

  private readonly readQueue: string[] = [];
  /** Read requests being confirmed (undefined while none is). */
  private readRequests: Map<string, ReadRequest> | undefined;
  /** Read requests that arrived before this leader committed an entry of its term. */
  private pendingReads: Message[] = [];

  private prevSoft: SoftState;
  private prevHard: HardState;
  /** What the last ready() handed out, consumed by advance(). */
  private inReady:
    | { lastEntry: Entry | undefined; snapshotIndex: number; lastCommitted: Entry | undefined; committed: readonly Entry[] }
    | undefined;

  private readonly electionTimeout: number;
  private readonly heartbeatTimeout: number;
  private readonly maxSizePerMsg: number;
  private readonly maxInflightMsgs: number;
  private readonly maxInflightBytes: number;
  private readonly maxProposalBytes: number;
  private readonly maxUncommittedBytes: number;
  private readonly maxCommittedBytesPerReady: number;
  private readonly maxPendingReads: number;
  private readonly preVote: boolean;
  private readonly checkQuorum: boolean;
  private readonly readOnly: ReadOnlyOption;
  private readonly leaseTicks: number;
  private readonly random: () => number;
  private readonly mayCampaign: (() => boolean) | undefined;
  /** Campaigns the host's admission deferred (mayCampaign said no). */
  campaignsDeferred = 0;
  private readonly unsafe: UnsafeFailpoints;

  constructor(cfg: RaftConfig) {
    this.id = cfg.id;
    this.electionTimeout = cfg.electionTicks ?? DEFAULTS.electionTicks;
    this.heartbeatTimeout = cfg.heartbeatTicks ?? DEFAULTS.heartbeatTicks;
    this.maxSizePerMsg = cfg.maxSizePerMsg ?? DEFAULTS.maxSizePerMsg;
    this.maxInflightMsgs = cfg.maxInflightMsgs ?? DEFAULTS.maxInflightMsgs;
    this.maxInflightBytes = cfg.maxInflightBytes ?? DEFAULTS.maxInflightBytes;
    this.maxProposalBytes = cfg.maxProposalBytes ?? DEFAULTS.maxProposalBytes;
    this.maxUncommittedBytes = cfg.maxUncommittedBytes ?? DEFAULTS.maxUncommittedBytes;
    this.maxCommittedBytesPerReady = cfg.maxCommittedBytesPerReady ?? DEFAULTS.maxCommittedBytesPerReady;
    this.maxPendingReads = cfg.maxPendingReads ?? DEFAULTS.maxPendingReads;
    this.preVote = cfg.preVote ?? true;
    this.checkQuorum = cfg.checkQuorum ?? true;
    this.readOnly = cfg.readOnlyOption ?? 'safe';
    this.leaseTicks = this.electionTimeout - (cfg.leaseMarginTicks ?? DEFAULTS.leaseMarginTicks);
    this.random = cfg.random;
    this.mayCampaign = cfg.mayCampaign;
    this.unsafe = cfg.unsafe ?? NO_FAILPOINTS;
    validateConfig(this, cfg);

    this.log = new RaftLog(cfg.storage, 0);
    const { hardState, confState } = cfg.storage.initialState();
    this.baseConf = confState;
    this.setConfState(confState);
    // Configuration entries already in the log are in force (append-time rule).
    const first = cfg.storage.firstIndex();
    const last = cfg.storage.lastIndex();
    if (last >= first) this.onLogAppended(first, cfg.storage.entries(first, last + 1, Number.MAX_SAFE_INTEGER));
    if (hardState.term !== 0 || hardState.vote !== NONE || hardState.commit !== 0) {
      assert(
        hardState.commit >= this.log.committed && hardState.commit <= this.log.lastIndex(),
        `hard state commit ${hardState.commit} outside [${this.log.committed}, ${this.log.lastIndex()}]`,
      );
      this.log.committed = hardState.commit;
      this.term = hardState.term;
      this.vote = hardState.vote;
    }
    const applied = cfg.applied ?? 0;
    if (applied > this.log.applied) this.log.appliedTo(Math.min(applied, this.log.committed));
    this.becomeFollower(this.term, NONE);
    this.prevSoft = this.softState();
    this.prevHard = this.hardState();
  }

  // ---------------------------------------------------------------- public API

  /** Advances the logical clock by one tick. */
  tick(): void {
    this.ticks++;
    if (this.role === StateRole.Leader) this.tickHeartbeat();
    else this.tickElection();
  }

  /**
   * Whether this leader may quiesce: nothing proposed, committed or read is
   * outstanding, no transfer or membership change is under way, and every
   * follower (learners too) holds the whole log and knows it is committed.
   */
  canQuiesce(): boolean {
    if (this.role !== StateRole.Leader || this.leadTransferee !== NONE) return false;
    const last = this.log.lastIndex();
    if (this.log.committed !== last || this.log.applied !== last || this.pendingConfIndex > this.log.applied) return false;
    if (this.readQueue.length > 0 || this.pendingReads.length > 0 || this.log.unstableEntries().length > 0) return false;
    for (const [id, pr] of this.progress) {
      if (id !== this.id && (pr.match !== last || pr.inflights.count() > 0)) return false;
    }
    return true;
  }

  /** Sends every follower a quiesce heartbeat (the caller stops ticking this leader). */
  quiesce(): void {
    if (!this.canQuiesce()) return;
    for (const id of this.progress.keys()) if (id !== this.id) this.sendHeartbeat(id, QUIESCE_CONTEXT);
  }

  /**
   * Whether this follower may quiesce on `m`, a quiesce heartbeat it just
   * stepped: it came from the leader of this term, and this log ends at the
   * leader's commit index, all of it committed.
   */
  mayQuiesceOn(m: Message): boolean {
    if (m.type !== MessageType.Heartbeat || m.context !== QUIESCE_CONTEXT) return false;
    return this.role === StateRole.Follower && m.term === this.term && this.lead === m.from && this.log.lastIndex() === m.commit && this.log.committed === m.commit;
  }

  /**
   * Wakes a core that was not ticked for `ticks` ticks (quiesced): its lease
   * clock moves on by that much, so a lease granted before the quiescence has
   * run out — a read must confirm leadership again. A leader must hear from a
   * quorum within an election timeout from now (CheckQuorum). A follower's
   * election timer counts from when its leader's node was last heard
   * (`leaderHeardTicksAgo`, node liveness; never more than the ticks it
   * missed): a leader whose node went silent long enough ago is given up on
   * at the next tick, one heard just now is not.
   */
  wake(ticks: number, leaderHeardTicksAgo?: number): void {
    const n = Math.max(0, Math.floor(ticks));
    this.ticks += n;
    if (this.role === StateRole.Leader) {
      this.electionElapsed = 0;
      this.heartbeatElapsed = this.heartbeatTimeout;
      for (const [id, pr] of this.progress) if (id !== this.id) pr.recentActive = false;
      return;
    }
    const missed = this.electionElapsed + n;
    this.electionElapsed = leaderHeardTicksAgo !== undefined && this.lead !== NONE ? Math.min(missed, Math.max(0, Math.floor(leaderHeardTicksAgo))) : missed;
  }

  /** Starts an election now (as if the election timeout fired). */
  campaign(): void {
    this.step(message({ type: MessageType.Hup, from: this.id }));
  }

  /** Lets the election timer fire at the next tick (through the host's admission, if any), unless a leader is heard first. */
  campaignAtNextTick(): void {
    if (this.role !== StateRole.Follower) return;
    this.electionElapsed = Math.max(this.electionElapsed, this.randomizedElectionTimeout - 1);
  }

  /**
   * Appends a batch of entries. Returns the index of the first one; entry k
   * of the batch is at that index + k in this term. Throws RaftError.
   */
  propose(datas: readonly Uint8Array[]): number {
    this.checkCanPropose();
    let bytes = 0;
    for (const d of datas) {
      if (d.byteLength > this.maxProposalBytes) {
        throw new RaftError(
          'PROPOSAL_TOO_LARGE',
          `entry of ${d.byteLength} bytes exceeds maxProposalBytes ${this.maxProposalBytes}`,
        );
      }
      bytes += d.byteLength;
    }
    if (this.uncommittedBytes > 0 && this.uncommittedBytes + bytes > this.maxUncommittedBytes) {
      throw new RaftError(
        'UNCOMMITTED_LIMIT',
        `${this.uncommittedBytes} bytes proposed and not yet applied; limit ${this.maxUncommittedBytes}`,
      );
    }
    const first = this.log.lastIndex() + 1;
    this.appendEntries(datas.map((data) => ({ term: 0, index: 0, type: EntryType.Normal, data })));
    this.uncommittedBytes += bytes;
    this.bcastAppend();
    return first;
  }

  /** Proposes one membership change. Returns its log index. Throws RaftError. */
  proposeConfChange(cc: ConfChange): number {
    this.checkCanPropose();
    if (this.pendingConfIndex > this.log.applied) {
      throw new RaftError(
        'CONF_CHANGE_PENDING',
        `membership change at index ${this.pendingConfIndex} not yet applied (applied ${this.log.applied})`,
      );
    }
    this.validateConfChange(cc);
    const index = this.log.lastIndex() + 1;
    this.appendEntries([{ term: 0, index: 0, type: EntryType.ConfChange, data: encodeConfChange(cc) }]);
    this.pendingConfIndex = index;
    this.bcastAppend();
    return index;
  }

  /**
   * Requests a linearizable read point. A ReadState with this context appears
   * in a later Ready; state applied through its index may then be read.
   */
  readIndex(context: string): void {
    if (this.role === StateRole.Leader) {
      this.handleReadIndex(message({ type: MessageType.ReadIndex, from: this.id, context }));
      return;
    }
    if (this.lead === NONE) throw new RaftError('NO_LEADER', 'no leader known for read index');
    this.send(message({ type: MessageType.ReadIndex, to: this.lead, context }));
  }

  /** Asks the leader to hand leadership to `to`. */
  transferLeader(to: NodeId): void {
    if (this.role === StateRole.Leader) {
      this.stepLeader(message({ type: MessageType.TransferLeader, from: to }));
      return;
    }
    if (this.lead === NONE) throw new RaftError('NO_LEADER', 'no leader to transfer from');
    this.send(message({ type: MessageType.TransferLeader, to: this.lead, from: to }));
  }

  /** The host could not deliver a message to `id`. */
  reportUnreachable(id: NodeId): void {
    this.step(message({ type: MessageType.Unreachable, from: id }));
  }

  /** The host finished (or failed) sending a snapshot to `id`. */
  reportSnapshot(id: NodeId, ok: boolean): void {
    this.step(message({ type: MessageType.SnapStatus, from: id, reject: !ok }));
  }

  hasReady(): boolean {
    const ss = this.softState();
    const hs = this.hardState();
    return (
      ss.leader !== this.prevSoft.leader ||
      ss.role !== this.prevSoft.role ||
      !hardStateEqual(hs, this.prevHard) ||
      this.log.unstableEntries().length > 0 ||
      this.log.unstable.snapshot !== undefined ||
      this.log.hasNextCommittedEntries() ||
      this.msgs.length > 0 ||
      this.readStates.length > 0
    );
  }

  ready(): Ready {
    assert(this.inReady === undefined, 'ready() called twice without advance()');
    const ss = this.softState();
    const hs = this.hardState();
    const entries = this.log.unstableEntries().slice();
    const snapshot = this.log.unstable.snapshot;
    const committed = snapshot ? [] : this.log.nextCommittedEntries(this.maxCommittedBytesPerReady);
    const rd: Ready = {
      ...(ss.leader !== this.prevSoft.leader || ss.role !== this.prevSoft.role ? { softState: ss } : {}),
      ...(!hardStateEqual(hs, this.prevHard) ? { hardState: hs } : {}),
      entries,
      ...(snapshot ? { snapshot } : {}),
      committedEntries: committed,
      messages: this.msgs,
      readStates: this.readStates,
    };
    this.prevSoft = ss;
    this.prevHard = hs;
    this.msgs = [];
    this.readStates = [];
    this.inReady = {
      lastEntry: entries[entries.length - 1],
      snapshotIndex: snapshot ? snapshot.meta.index : 0,
      lastCommitted: committed[committed.length - 1],
      committed,
    };
    return rd;
  }

  /** The host has persisted, sent and applied everything in the last Ready. */
  advance(): void {
    const r = this.inReady;
    assert(r !== undefined, 'advance() without ready()');
    this.inReady = undefined;
    if (r.lastEntry) this.log.unstable.stableTo(r.lastEntry.index, r.lastEntry.term);
    if (r.snapshotIndex > 0) {
      this.log.unstable.stableSnapTo(r.snapshotIndex);
      if (r.snapshotIndex > this.log.applied) this.log.applied = r.snapshotIndex;
    }
    for (const e of r.committed) {
      this.log.appliedTo(e.index);
      if (this.role === StateRole.Leader) this.uncommittedBytes = Math.max(0, this.uncommittedBytes - e.data.byteLength);
    }
    this.maybeStepDownAfterRemoval();
    this.compactConfLog();
  }

  step(m: Message): void {
    if (m.term === 0) {
      // local message
    } else if (m.term > this.term) {
      if (m.type === MessageType.Vote || m.type === MessageType.PreVote) {
        const force = m.context === TRANSFER_CONTEXT;
        if (!force && this.inLease()) {
          // A leader was heard from recently: ignore a disruptive candidate
          // (CheckQuorum's companion rule, and what makes leases safe).
          return;
        }
      }
      if (m.type === MessageType.PreVote) {
        // Never change our term for a pre-vote.
      } else if (m.type === MessageType.PreVoteResp && !m.reject) {
        // The term is taken only when the real election starts.
      } else if (m.type === MessageType.App || m.type === MessageType.Heartbeat || m.type === MessageType.Snap) {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, NONE);
      }
    } else if (m.term < this.term) {
      if ((this.checkQuorum || this.preVote) && (m.type === MessageType.Heartbeat || m.type === MessageType.App)) {
        // A partitioned old leader: tell it our term so it steps down, instead of
        // letting it disrupt us later with its higher-term elections.
        this.send(message({ type: MessageType.AppResp, to: m.from }));
      } else if (m.type === MessageType.PreVote) {
        this.send(message({ type: MessageType.PreVoteResp, to: m.from, term: this.term, reject: true }));
      }
      return;
    }

    switch (m.type) {
      case MessageType.Hup:
        this.hup(false);
        return;
      case MessageType.Vote:
      case MessageType.PreVote:
        this.handleVoteRequest(m);
        return;
      default:
        break;
    }
    switch (this.role) {
      case StateRole.Leader:
        this.stepLeader(m);
        return;
      case StateRole.Candidate:
      case StateRole.PreCandidate:
        this.stepCandidate(m);
        return;
      case StateRole.Follower:
        this.stepFollower(m);
        return;
    }
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  softState(): SoftState {
    return { leader: this.lead, role: this.role };
  }

  /** The configuration in force now (set by the newest configuration entry in the log). */
  confState(): ConfState {
    return this.currentConf();
  }

  /** Whether this node may campaign: a voter in its current configuration. */
  promotable(): boolean {
    return this.voters.has(this.id);
  }

  status(): RaftStatus {
    const progress = new Map<NodeId, ProgressStatus>();
    if (this.role === StateRole.Leader) {
      for (const [id, pr] of this.progress) {
        progress.set(id, {
          match: pr.match,
          next: pr.next,
          state: pr.state,
          recentActive: pr.recentActive,
          isLearner: pr.isLearner,
          inflight: pr.inflights.count(),
        });
      }
    }
    return {
      id: this.id,
      term: this.term,
      vote: this.vote,
      commit: this.log.committed,
      applied: this.log.applied,
      firstIndex: this.log.firstIndex(),
      lastIndex: this.log.lastIndex(),
      role: this.role,
      leader: this.lead,
      leadTransferee: this.leadTransferee,
      confState: this.confState(),
      progress,
    };
  }

  // ------------------------------------------------------------ role changes

  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = NONE;
    }
    this.lead = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.electionTimeout + Math.floor(this.random() * this.electionTimeout);
    this.leadTransferee = NONE;
    this.votes = undefined;
    const last = this.log.lastIndex();
    for (const [id, pr] of this.progress) {
      const fresh = new Progress(last + 1, this.maxInflightMsgs, this.maxInflightBytes, pr.isLearner);
      if (id === this.id) fresh.match = last;
      this.progress.set(id, fresh);
    }
    this.pendingConfIndex = 0;
    this.uncommittedBytes = 0;
    this.readQueue.length = 0;
    this.readRequests = undefined;
    this.pendingReads = [];
  }

  private becomeFollower(term: number, lead: NodeId): void {
    this.reset(term);
    this.lead = lead;
    this.role = StateRole.Follower;
    if (lead !== NONE) this.preVoteRounds = 0;
  }

  private becomePreCandidate(): void {
    assert(this.role !== StateRole.Leader, 'leader cannot become pre-candidate');
    // A pre-candidate keeps its term and vote; it only learns whether it could win.
    this.votes = undefined;
    // Three quick retries first (a voter still inside its lease grants a few
    // ticks later), then each round waits twice as long, up to a random wait
    // of 2-4 election timeouts: under overload — thousands of groups electing
    // at once, answers slower than the retry — fixed quick retries multiplied
    // the traffic that made the answers slow, and no group got elected (at
    // 10,000 groups a cap of one election timeout still kept every node at
    // its limit). Hearing of a leader, or winning a pre-vote, makes retries quick again.
    const cap = MAX_PREVOTE_BACKOFF_TIMEOUTS * this.electionTimeout;
    const backoff = (2 + Math.floor(this.random() * PREVOTE_RETRY_TICKS)) * 2 ** Math.min(Math.max(0, this.preVoteRounds - QUICK_PREVOTE_ROUNDS), 16);
    this.preVoteRetryTicks = backoff <= cap ? backoff : Math.ceil(cap / 2 + this.random() * (cap / 2));
    this.preVoteRounds++;
    this.lead = NONE;
    this.role = StateRole.PreCandidate;
  }

  private becomeCandidate(): void {
    assert(this.role !== StateRole.Leader, 'leader cannot become candidate');
    // A pre-vote won: the voters answer. Should the real vote time out (its answers slower than the
    // timeout), the next pre-votes are quick again (a first election over slow links: first-election.test).
    this.preVoteRounds = 0;
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = StateRole.Candidate;
  }

  private becomeLeader(): void {
    assert(this.role === StateRole.Candidate, 'only a candidate becomes leader');
    this.reset(this.term);
    this.lead = this.id;
    this.role = StateRole.Leader;
    this.preVoteRounds = 0;
    const self = this.progress.get(this.id);
    if (self) {
      self.becomeReplicate();
      self.recentActive = true;
    }
    this.appendEntries([{ term: 0, index: 0, type: EntryType.Normal, data: new Uint8Array(0) }]);
    // No membership change until this no-op (an entry of our term) is applied:
    // the fix that makes single-server changes safe across leader changes.
    this.pendingConfIndex = this.log.lastIndex();
  }

  private hup(transfer: boolean): void {
    if (this.role === StateRole.Leader) return;
    if (!this.promotable()) return;
    this.campaign2(this.preVote && !transfer ? 'pre' : 'real', transfer);
  }

  private campaign2(kind: 'pre' | 'real', transfer: boolean): void {
    let voteType: MessageType;
    let term: number;
    if (kind === 'pre') {
      this.becomePreCandidate();
      voteType = MessageType.PreVote;
      term = this.term + 1;
    } else {
      this.becomeCandidate();
      voteType = MessageType.Vote;
      term = this.term;
    }
    const result = this.poll(this.id, true);
    if (result === 'won') {
      if (kind === 'pre') this.campaign2('real', transfer);
      else this.becomeLeader();
      return;
    }
    for (const id of this.voters) {
      if (id === this.id) continue;
      this.send(
        message({
          type: voteType,
          to: id,
          term,
          index: this.log.lastIndex(),
          logTerm: this.log.lastTerm(),
          context: transfer ? TRANSFER_CONTEXT : '',
        }),
      );
    }
  }

  private poll(id: NodeId, granted: boolean): 'won' | 'lost' | 'pending' {
    const votes = (this.votes ??= new Map<NodeId, boolean>());
    if (!votes.has(id)) votes.set(id, granted);
    let yes = 0;
    let no = 0;
    for (const [voter, g] of votes) {
      if (!this.voters.has(voter)) continue; // learners and strangers never count
      if (g) yes++;
      else no++;
    }
    const q = this.quorum();
    if (yes >= q) return 'won';
    if (no > this.voters.size - q) return 'lost';
    return 'pending';
  }

  // ------------------------------------------------------------------ steps

  private handleVoteRequest(m: Message): void {
    const canVote =
      this.vote === m.from ||
      (this.vote === NONE && this.lead === NONE) ||
      (m.type === MessageType.PreVote && m.term > this.term);
    const upToDate = this.unsafe.grantVoteWithoutLogCheck === true || this.log.isUpToDate(m.index, m.logTerm);
    const respType = m.type === MessageType.Vote ? MessageType.VoteResp : MessageType.PreVoteResp;
    if (canVote && upToDate) {
      // Grant with the candidate's term so it counts the vote even though a
      // pre-vote leaves our own term unchanged.
      this.send(message({ type: respType, to: m.from, term: m.term }));
      if (m.type === MessageType.Vote) {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send(message({ type: respType, to: m.from, term: this.term, reject: true }));
    }
  }

  private stepLeader(m: Message): void {
    switch (m.type) {
      case MessageType.Beat:
        this.bcastHeartbeat();
        return;
      case MessageType.CheckQuorum:
        if (!this.quorumActive()) this.becomeFollower(this.term, NONE);
        for (const [id, pr] of this.progress) if (id !== this.id) pr.recentActive = false;
        return;
      case MessageType.ReadIndex:
        this.handleReadIndex(m);
        return;
      case MessageType.TransferLeader:
        this.handleTransferLeader(m.from);
        return;
      default:
        break;
    }
    const pr = this.progress.get(m.from);
    if (!pr) return; // not (or no longer) a member
    switch (m.type) {
      case MessageType.AppResp:
        pr.recentActive = true;
        this.handleAppendResponse(m, pr);
        return;
      case MessageType.HeartbeatResp:
        pr.recentActive = true;
        pr.probeSent = false;
        if (m.sentTick > pr.ackedSentTick) pr.ackedSentTick = m.sentTick;
        // Appends in a full window may have been lost: free one slot so the next
        // append goes out and a gap, if any, is found by its rejection.
        if (pr.state === ProgressState.Replicate && pr.inflights.full()) pr.inflights.freeFirstOne();
        if (pr.match < this.log.lastIndex()) this.sendAppend(m.from, true);
        if (m.context !== '' && m.context !== QUIESCE_CONTEXT) this.ackRead(m.context, m.from);
        return;
      case MessageType.SnapStatus:
        if (pr.state !== ProgressState.Snapshot) return;
        if (m.reject) pr.pendingSnapshot = 0;
        pr.becomeProbe();
        // Wait for a heartbeat response before probing again.
        pr.probeSent = true;
        return;
      case MessageType.Unreachable:
        if (pr.state === ProgressState.Replicate) pr.becomeProbe();
        return;
      default:
        return;
    }
  }

  private handleAppendResponse(m: Message, pr: Progress): void {
    if (m.reject) {
      let hint = m.rejectHint;
      if (m.logTerm > 0) hint = this.log.findConflictByTerm(m.rejectHint, m.logTerm).index;
      if (pr.maybeDecrTo(m.index, hint)) {
        if (pr.state === ProgressState.Replicate) pr.becomeProbe();
        this.sendAppend(m.from, true);
      }
      return;
    }
    const wasPaused = pr.isPaused();
    if (pr.maybeUpdate(m.index)) {
      if (pr.state === ProgressState.Probe) {
        pr.becomeReplicate();
      } else if (pr.state === ProgressState.Snapshot && pr.match + 1 >= this.log.firstIndex()) {
        pr.becomeProbe();
        pr.becomeReplicate();
      } else if (pr.state === ProgressState.Replicate) {
        pr.inflights.freeLE(m.index);
      }
      if (this.maybeCommit()) {
        this.releasePendingReads();
        this.bcastAppend();
      } else if (wasPaused) {
        this.sendAppend(m.from, true);
      }
      while (this.sendAppend(m.from, false)) {
        // keep the pipeline full while the window allows
      }
      if (m.from === this.leadTransferee && pr.match === this.log.lastIndex()) {
        this.send(message({ type: MessageType.TimeoutNow, to: m.from }));
      }
    }
  }

  private stepCandidate(m: Message): void {
    const myResp = this.role === StateRole.PreCandidate ? MessageType.PreVoteResp : MessageType.VoteResp;
    switch (m.type) {
      case MessageType.App:
        this.becomeFollower(m.term, m.from);
        this.handleAppend(m);
        return;
      case MessageType.Heartbeat:
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m);
        return;
      case MessageType.Snap:
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m);
        return;
      case MessageType.TransferLeader:
        return; // no leader to forward to
      default:
        break;
    }
    if (m.type !== myResp) return;
    const res = this.poll(m.from, !m.reject);
    if (res === 'won') {
      if (this.role === StateRole.PreCandidate) {
        this.campaign2('real', false);
      } else {
        this.becomeLeader();
        this.bcastAppend();
      }
    } else if (res === 'lost') {
      this.becomeFollower(this.term, NONE);
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case MessageType.App:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.preVoteRounds = 0;
        this.handleAppend(m);
        return;
      case MessageType.Heartbeat:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.preVoteRounds = 0;
        this.handleHeartbeat(m);
        return;
      case MessageType.Snap:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.preVoteRounds = 0;
        this.handleSnapshot(m);
        return;
      case MessageType.TransferLeader:
        if (this.lead !== NONE) this.send(message({ type: MessageType.TransferLeader, to: this.lead, from: m.from }));
        return;
      case MessageType.TimeoutNow:
        // Leader transfer: campaign at once, skipping pre-vote and lease checks.
        this.hup(true);
        return;
      case MessageType.ReadIndexResp:
        this.readStates.push({ index: m.index, context: m.context });
        return;
      default:
        return;
    }
  }

  private handleAppend(m: Message): void {
    if (m.index < this.log.committed) {
      this.send(message({ type: MessageType.AppResp, to: m.from, index: this.log.committed }));
      return;
    }
    const res = this.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (res !== undefined) {
      const lastNew = res.lastNew;
      if (res.conflict !== 0) this.onLogAppended(res.conflict, m.entries);
      this.send(message({ type: MessageType.AppResp, to: m.from, index: lastNew }));
      return;
    }
    const hint = this.log.findConflictByTerm(Math.min(m.index, this.log.lastIndex()), m.logTerm);
    this.send(
      message({
        type: MessageType.AppResp,
        to: m.from,
        index: m.index,
        reject: true,
        rejectHint: hint.index,
        logTerm: hint.term,
      }),
    );
  }

  private handleHeartbeat(m: Message): void {
    // The leader sends min(match, commit), so this never commits past our log.
    this.log.commitTo(Math.min(m.commit, this.log.lastIndex()));
    this.send(message({ type: MessageType.HeartbeatResp, to: m.from, context: m.context, sentTick: m.sentTick }));
  }

  private handleSnapshot(m: Message): void {
    const s = m.snapshot;
    assert(s !== undefined, 'Snap message without snapshot');
    if (this.restore(s)) {
      this.send(message({ type: MessageType.AppResp, to: m.from, index: this.log.lastIndex() }));
    } else {
      this.send(message({ type: MessageType.AppResp, to: m.from, index: this.log.committed }));
    }
  }

  /**
   * Installs a snapshot whose data the host has already ingested, whatever the
   * term of the message that carried it (the host streams an image for
   * seconds; the term may move on meanwhile, and step() drops a stale-term
   * message — the image would then be thrown away and sent again). Safe at
   * any term: a snapshot holds only committed entries, and restore() replaces
   * the log only where it cannot hold them. The sender is told how far this
   * log reaches now (as a follower answers a snapshot), so a leader of this
   * term resumes appends after the image instead of sending another; the
   * election timer and the known leader are left alone. Returns whether the
   * log was replaced (false: already committed that far, or the log holds it).
   */
  installSnapshot(s: Snapshot, from: NodeId): boolean {
    const replaced = this.restore(s);
    if (from !== this.id && from !== NONE) this.send(message({ type: MessageType.AppResp, to: from, index: replaced ? this.log.lastIndex() : this.log.committed }));
    return replaced;
  }

  private restore(s: Snapshot): boolean {
    if (s.meta.index <= this.log.committed) return false;
    if (this.log.matchTerm(s.meta.index, s.meta.term)) {
      // We already hold this prefix: just learn that it is committed.
      this.log.commitTo(s.meta.index);
      return false;
    }
    this.log.restore(s);
    this.baseConf = s.meta.confState;
    this.confLog = [];
    this.switchConf(this.baseConf);
    return true;
  }

  // ------------------------------------------------------------- leader work

  private appendEntries(ents: Entry[]): void {
    const last = this.log.lastIndex();
    const stamped = ents.map((e, i) => ({ ...e, term: this.term, index: last + 1 + i }));
    this.log.append(stamped);
    this.onLogAppended(last + 1, stamped);
    const self = this.progress.get(this.id);
    if (self) self.maybeUpdate(this.log.lastIndex());
    this.maybeCommit();
  }

  private quorum(): number {
    return Math.floor(this.voters.size / 2) + 1;
  }

  /** Advances commit to the highest index replicated on a quorum of voters. */
  private maybeCommit(): boolean {
    if (this.voters.size === 0) return false;
    const matches: number[] = [];
    for (const id of this.voters) matches.push(this.progress.get(id)?.match ?? 0);
    matches.sort((a, b) => b - a);
    const mci = matches[this.quorum() - 1]!;
    return this.log.maybeCommit(mci, this.term, this.unsafe.commitPreviousTermEntries === true);
  }

  private committedEntryInCurrentTerm(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }

  private bcastAppend(): void {
    for (const id of this.progress.keys()) if (id !== this.id) this.sendAppend(id, true);
  }

  private bcastHeartbeat(): void {
    const ctx = this.readQueue.length > 0 ? this.readQueue[this.readQueue.length - 1]! : '';
    for (const id of this.progress.keys()) if (id !== this.id) this.sendHeartbeat(id, ctx);
  }

  private sendHeartbeat(to: NodeId, context: string): void {
    const pr = this.progress.get(to)!;
    this.send(
      message({
        type: MessageType.Heartbeat,
        to,
        commit: Math.min(pr.match, this.log.committed),
        context,
        sentTick: this.ticks,
      }),
    );
  }

  /** Sends entries (or a snapshot) to `to`. Returns whether a message was sent. */
  private sendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.progress.get(to);
    if (!pr || pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    let ents: Entry[] | undefined;
    if (prevTerm !== undefined) {
      try {
        ents = this.log.entriesFrom(pr.next, this.maxSizePerMsg);
      } catch (e) {
        if (!(e instanceof RaftError) || e.code !== 'COMPACTED') throw e;
        ents = undefined;
      }
    }
    if (prevTerm === undefined || ents === undefined) return this.sendSnapshot(to, pr);
    if (ents.length === 0 && !sendIfEmpty) return false;
    this.send(
      message({
        type: MessageType.App,
        to,
        index: prevIndex,
        logTerm: prevTerm,
        entries: ents,
        commit: this.log.committed,
      }),
    );
    if (ents.length > 0) pr.sentEntries(ents[ents.length - 1]!.index, entriesSize(ents));
    return true;
  }

  private sendSnapshot(to: NodeId, pr: Progress): boolean {
    if (!pr.recentActive) return false; // do not ship snapshots to nodes that may be down
    let snap: Snapshot;
    try {
      snap = this.log.storage.snapshot();
    } catch (e) {
      if (e instanceof RaftError && e.code === 'SNAPSHOT_TEMPORARILY_UNAVAILABLE') return false;
      throw e;
    }
    assert(snap.meta.index > 0, 'need a non-empty snapshot to replace compacted entries');
    this.send(message({ type: MessageType.Snap, to, snapshot: snap }));
    pr.becomeSnapshot(snap.meta.index);
    return true;
  }

  private quorumActive(): boolean {
    let active = 0;
    for (const id of this.voters) {
      if (id === this.id || this.progress.get(id)?.recentActive) active++;
    }
    return active >= this.quorum();
  }

  private handleTransferLeader(to: NodeId): void {
    const pr = this.progress.get(to);
    if (!pr || pr.isLearner) return; // only voters can lead
    if (this.leadTransferee !== NONE) {
      if (this.leadTransferee === to) return; // already in progress
      this.leadTransferee = NONE; // abort the previous one
    }
    if (to === this.id) return;
    // The transfer must finish within one election timeout.
    this.electionElapsed = 0;
    this.leadTransferee = to;
    if (pr.match === this.log.lastIndex()) {
      this.send(message({ type: MessageType.TimeoutNow, to }));
    } else {
      this.sendAppend(to, true);
    }
  }

  // ------------------------------------------------------------------ reads

  private handleReadIndex(m: Message): void {
    if (this.voters.size === 1 && this.voters.has(this.id)) {
      this.respondRead(m.from, this.log.committed, m.context);
      return;
    }
    if (!this.committedEntryInCurrentTerm()) {
      // Our commit index may lag the true one until an entry of our term commits.
      if (this.pendingReads.length >= this.maxPendingReads) return this.readQueueFull(m);
      this.pendingReads.push(m);
      return;
    }
    this.serveReadIndex(m);
  }

  /** A local caller gets an error; a remote one times out and retries. */
  private readQueueFull(m: Message): void {
    if (m.from === this.id) {
      throw new RaftError('TOO_MANY_PENDING_READS', `read queue full (limit ${this.maxPendingReads})`);
    }
  }

  private serveReadIndex(m: Message): void {
    if (this.readOnly === 'lease' && this.leaseValid()) {
      this.respondRead(m.from, this.log.committed, m.context);
      return;
    }
    if (this.readRequests?.has(m.context) === true) return; // duplicate context
    if (this.readQueue.length >= this.maxPendingReads) return this.readQueueFull(m);
    (this.readRequests ??= new Map()).set(m.context, { index: this.log.committed, from: m.from, context: m.context, acks: new Set([this.id]) });
    this.readQueue.push(m.context);
    for (const id of this.progress.keys()) if (id !== this.id) this.sendHeartbeat(id, m.context);
  }

  private releasePendingReads(): void {
    if (this.pendingReads.length === 0 || !this.committedEntryInCurrentTerm()) return;
    const reads = this.pendingReads;
    this.pendingReads = [];
    for (const m of reads) this.serveReadIndex(m);
  }

  private ackRead(context: string, from: NodeId): void {
    const requests = this.readRequests;
    const req = requests?.get(context);
    if (!requests || !req) return;
    req.acks.add(from);
    let n = 0;
    for (const id of req.acks) if (this.voters.has(id)) n++;
    if (n < this.quorum()) return;
    // Confirming this request confirms every request queued before it.
    while (this.readQueue.length > 0) {
      const ctx = this.readQueue.shift()!;
      const r = requests.get(ctx)!;
      requests.delete(ctx);
      this.respondRead(r.from, r.index, r.context);
      if (ctx === context) break;
    }
    if (requests.size === 0) this.readRequests = undefined;
  }

  private respondRead(to: NodeId, index: number, context: string): void {
    if (to === this.id || to === NONE) this.readStates.push({ index, context });
    else this.send(message({ type: MessageType.ReadIndexResp, to, index, context }));
  }

  /**
   * Lease: a quorum acknowledged heartbeats sent within the last `leaseTicks`,
   * and each of those followers refuses votes for an election timeout after
   * hearing one. Valid only if ticks advance at the same rate on all nodes.
   */
  private leaseValid(): boolean {
    if (!this.checkQuorum || this.leadTransferee !== NONE) return false;
    const sent: number[] = [];
    for (const id of this.voters) {
      if (id === this.id) sent.push(this.ticks);
      else sent.push(this.progress.get(id)?.ackedSentTick ?? -1);
    }
    sent.sort((a, b) => b - a);
    const quorumSent = sent[this.quorum() - 1]!;
    return quorumSent >= 0 && this.ticks < quorumSent + this.leaseTicks;
  }

  private inLease(): boolean {
    if (!this.checkQuorum || this.electionElapsed >= this.electionTimeout) return false;
    // With lease reads, a node that just started may have acknowledged a
    // leader's heartbeat before it crashed: wait an election timeout.
    if (this.readOnly === 'lease' && this.ticks < this.electionTimeout) return true;
    return this.lead !== NONE;
  }

  // ------------------------------------------------------------------- ticks

  private tickElection(): void {
    this.electionElapsed++;
    // A pre-candidate asks again within a few ticks. A voter still inside its
    // lease (it heard the old leader a little later than we did: tick phases
    // and deliveries differ between nodes) ignores us now and would grant a
    // few ticks later; a pre-vote changes no term, so asking again disrupts
    // nothing. Waiting a whole randomized timeout again made elections after a
    // leader's crash take up to twice as long. Rounds after the first few back
    // off (becomePreCandidate).
    const due = this.role === StateRole.PreCandidate ? this.preVoteRetryTicks : this.randomizedElectionTimeout;
    if (this.promotable() && this.electionElapsed >= due) {
      if (this.mayCampaign && !this.mayCampaign()) {
        this.electionElapsed = due - 1 - Math.floor(this.random() * 2);
        this.campaignsDeferred++;
        return;
      }
      this.electionElapsed = 0;
      this.step(message({ type: MessageType.Hup, from: this.id }));
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.electionTimeout) {
      this.electionElapsed = 0;
      if (this.checkQuorum) {
        this.step(message({ type: MessageType.CheckQuorum, from: this.id }));
        if (this.role !== StateRole.Leader) return;
      }
      // A transfer that has not finished in an election timeout is abandoned.
      this.leadTransferee = NONE;
    }
    if (this.heartbeatElapsed >= this.heartbeatTimeout) {
      this.heartbeatElapsed = 0;
      this.bcastHeartbeat();
    }
  }

  // -------------------------------------------------------------- membership

  private setConfState(cs: ConfState): void {
    this.voters.clear();
    this.learners.clear();
    const last = this.log.lastIndex();
    const old = new Map(this.progress);
    this.progress.clear();
    for (const id of cs.voters) {
      this.voters.add(id);
      this.progress.set(id, old.get(id) ?? this.newProgress(id, last, false));
      this.progress.get(id)!.isLearner = false;
    }
    for (const id of cs.learners) {
      this.learners.add(id);
      this.progress.set(id, old.get(id) ?? this.newProgress(id, last, true));
      this.progress.get(id)!.isLearner = true;
    }
  }

  private newProgress(id: NodeId, last: number, isLearner: boolean): Progress {
    const pr = new Progress(last + 1, this.maxInflightMsgs, this.maxInflightBytes, isLearner);
    if (id === this.id) pr.match = last;
    // A new member is presumed reachable so it can be sent a snapshot at once.
    pr.recentActive = true;
    return pr;
  }

  private validateConfChange(cc: ConfChange): void {
    const isVoter = this.voters.has(cc.nodeId);
    const isLearner = this.learners.has(cc.nodeId);
    if (cc.nodeId === NONE || !Number.isInteger(cc.nodeId) || cc.nodeId < 0 || cc.nodeId > 0xffffffff) {
      throw new RaftError('INVALID_CONF_CHANGE', `invalid node id ${cc.nodeId}`);
    }
    switch (cc.type) {
      case ConfChangeType.AddVoter:
        if (isVoter) throw new RaftError('INVALID_CONF_CHANGE', `node ${cc.nodeId} is already a voter`);
        return;
      case ConfChangeType.AddLearner:
        if (isVoter) throw new RaftError('INVALID_CONF_CHANGE', `node ${cc.nodeId} is a voter; demotion is not supported`);
        if (isLearner) throw new RaftError('INVALID_CONF_CHANGE', `node ${cc.nodeId} is already a learner`);
        return;
      case ConfChangeType.RemoveNode:
        if (!isVoter && !isLearner) throw new RaftError('INVALID_CONF_CHANGE', `node ${cc.nodeId} is not a member`);
        if (isVoter && this.voters.size === 1) throw new RaftError('INVALID_CONF_CHANGE', 'cannot remove the last voter');
        return;
    }
  }

  /**
   * Records the configuration entries among `ents` (appended from `fromIndex`
   * on, replacing any suffix there) and switches to the newest configuration.
   * A configuration is in force as soon as its entry is in the log, committed
   * or not (Raft dissertation §4.1); a truncated entry's configuration is undone.
   */
  private onLogAppended(fromIndex: number, ents: readonly Entry[]): void {
    let changed = false;
    while (this.confLog.length > 0 && this.confLog[this.confLog.length - 1]!.index >= fromIndex) {
      this.confLog.pop();
      changed = true;
    }
    let cur = this.currentConf();
    for (const e of ents) {
      if (e.index < fromIndex || e.type !== EntryType.ConfChange) continue;
      cur = nextConfState(cur, decodeConfChange(e.data));
      this.confLog.push({ index: e.index, cs: cur });
      changed = true;
    }
    if (changed) this.switchConf(this.currentConf());
  }

  private currentConf(): ConfState {
    return this.confLog.length > 0 ? this.confLog[this.confLog.length - 1]!.cs : this.baseConf;
  }

  /** The configuration in force at log index `index` (for snapshots taken at it). */
  confStateAt(index: number): ConfState {
    let cs = this.baseConf;
    for (const c of this.confLog) {
      if (c.index > index) break;
      cs = c.cs;
    }
    return cs;
  }

  private switchConf(cs: ConfState): void {
    this.setConfState(cs);
    if (this.role !== StateRole.Leader) return;
    if (this.leadTransferee !== NONE && !this.voters.has(this.leadTransferee)) this.leadTransferee = NONE;
    // A smaller quorum may commit more; a new member needs entries.
    if (this.maybeCommit()) this.releasePendingReads();
    this.bcastAppend();
  }

  /**
   * A leader whose configuration no longer lists it as a voter keeps leading
   * until that configuration commits, then steps down (dissertation §4.2.2).
   */
  private maybeStepDownAfterRemoval(): void {
    if (this.role !== StateRole.Leader || this.voters.has(this.id)) return;
    const last = this.confLog[this.confLog.length - 1];
    if (!last || last.index <= this.log.committed) this.becomeFollower(this.term, NONE);
  }

  /** Folds configuration records covered by the compacted prefix into the base. */
  private compactConfLog(): void {
    const dummy = this.log.firstIndex() - 1;
    while (this.confLog.length > 0 && this.confLog[0]!.index <= dummy) {
      this.baseConf = this.confLog.shift()!.cs;
    }
  }

  private checkCanPropose(): void {
    if (this.role !== StateRole.Leader) {
      if (this.lead === NONE) throw new RaftError('NO_LEADER', 'no leader known');
      throw new RaftError('NOT_LEADER', `node ${this.id} is not the leader (leader is ${this.lead})`, this.lead);
    }
    if (this.leadTransferee !== NONE) {
      throw new RaftError('TRANSFER_IN_PROGRESS', `leadership is being transferred to node ${this.leadTransferee}`);
    }
  }

  private send(m: Message): void {
    const typed =
      m.type === MessageType.Vote ||
      m.type === MessageType.VoteResp ||
      m.type === MessageType.PreVote ||
      m.type === MessageType.PreVoteResp;
    if (typed) assert(m.term !== 0, `${m.type} must carry an explicit term`);
    // TransferLeader keeps its `from` (the transferee) when forwarded.
    const from = m.from === NONE ? this.id : m.from;
    this.msgs.push({ ...m, from, term: typed ? m.term : this.term });
  }
}

/**
 * The configuration after applying `cc` to `cs`. Total and deterministic: a
 * change that cannot apply (demotion, removing the last voter) leaves it as is.
 */
export function nextConfState(cs: ConfState, cc: ConfChange): ConfState {
  const voters = new Set(cs.voters);
  const learners = new Set(cs.learners);
  switch (cc.type) {
    case ConfChangeType.AddVoter:
      learners.delete(cc.nodeId);
      voters.add(cc.nodeId);
      break;
    case ConfChangeType.AddLearner:
      if (!voters.has(cc.nodeId)) learners.add(cc.nodeId);
      break;
    case ConfChangeType.RemoveNode:
      if (voters.has(cc.nodeId) && voters.size === 1) break;
      voters.delete(cc.nodeId);
      learners.delete(cc.nodeId);
      break;
  }
  const sort = (xs: Set<NodeId>): NodeId[] => [...xs].sort((a, b) => a - b);
  return { voters: sort(voters), learners: sort(learners) };
}

function hardStateEqual(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

function validateConfig(r: Raft, cfg: RaftConfig): void {
  const bad = (field: string, why: string): never => {
    throw new RaftError('INVALID_CONFIG', `${field}: ${why}`);
  };
  if (!Number.isInteger(cfg.id) || cfg.id <= 0) bad('id', 'must be a positive integer');
  const e = cfg.electionTicks ?? DEFAULTS.electionTicks;
  const h = cfg.heartbeatTicks ?? DEFAULTS.heartbeatTicks;
  if (!Number.isInteger(h) || h <= 0) bad('heartbeatTicks', 'must be a positive integer');
  if (!Number.isInteger(e) || e <= h) bad('electionTicks', 'must be an integer greater than heartbeatTicks');
  if ((cfg.maxInflightMsgs ?? 1) <= 0) bad('maxInflightMsgs', 'must be positive');
  if ((cfg.maxSizePerMsg ?? 1) <= 0) bad('maxSizePerMsg', 'must be positive');
  if (cfg.readOnlyOption === 'lease') {
    if (cfg.checkQuorum === false) bad('readOnlyOption', "'lease' requires checkQuorum");
    const margin = cfg.leaseMarginTicks ?? DEFAULTS.leaseMarginTicks;
    if (margin < 1 || margin >= e) bad('leaseMarginTicks', `must be in [1, electionTicks) (got ${margin})`);
  }
  void r;
}
