// Data types shared by the Raft core and its hosts.
//
// Everything here is plain data: messages, entries and hard state are what a
// host persists and sends; the core never performs I/O itself. Indices and
// terms are JS numbers (safe up to 2^53, far beyond any log we will write).

export type NodeId = number & { readonly __brand: 'NodeId' };

/** Brands a plain number as a node id (node ids are positive integers). */
export function nodeId(n: number): NodeId {
  return n as NodeId;
}

export const NONE = 0 as NodeId;

export enum EntryType {
  Normal = 0,
  ConfChange = 1,
}

export interface Entry {
  readonly term: number;
  readonly index: number;
  readonly type: EntryType;
  /** Opaque application payload (empty for the leader's no-op entry). */
  readonly data: Uint8Array;
}

export enum ConfChangeType {
  AddVoter = 0,
  AddLearner = 1,
  RemoveNode = 2,
}

/** One membership change at a time (single-server change, see docs/raft.md). */
export interface ConfChange {
  readonly type: ConfChangeType;
  readonly nodeId: NodeId;
  /** Opaque host context (for example the new node's address). */
  readonly context?: Uint8Array;
}

export interface ConfState {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

export interface HardState {
  readonly term: number;
  readonly vote: NodeId;
  readonly commit: number;
}

export const EMPTY_HARD_STATE: HardState = { term: 0, vote: NONE, commit: 0 };

export interface SnapshotMeta {
  readonly index: number;
  readonly term: number;
  readonly confState: ConfState;
}

export interface Snapshot {
  readonly meta: SnapshotMeta;
  /** Opaque state-machine image; the host may stream it separately. */
  readonly data: Uint8Array;
}

export enum MessageType {
  Hup = 'Hup', // local: start an election
  Beat = 'Beat', // local: leader broadcasts heartbeats
  Prop = 'Prop', // local: proposal
  App = 'App',
  AppResp = 'AppResp',
  Vote = 'Vote',
  VoteResp = 'VoteResp',
  PreVote = 'PreVote',
  PreVoteResp = 'PreVoteResp',
  Snap = 'Snap',
  SnapStatus = 'SnapStatus', // local: host reports snapshot delivery result
  Heartbeat = 'Heartbeat',
  HeartbeatResp = 'HeartbeatResp',
  Unreachable = 'Unreachable', // local: host reports a peer unreachable
  TransferLeader = 'TransferLeader',
  TimeoutNow = 'TimeoutNow',
  ReadIndex = 'ReadIndex',
  ReadIndexResp = 'ReadIndexResp',
  CheckQuorum = 'CheckQuorum', // local
}

/**
 * One Raft message. Fields not used by a type are left at their zero value;
 * the transport encodes the whole shape.
 */
export interface Message {
  readonly type: MessageType;
  readonly to: NodeId;
  readonly from: NodeId;
  readonly term: number;
  /** App: term of the entry at `index`. Vote/PreVote: candidate's last log term. */
  readonly logTerm: number;
  /** App: index preceding `entries`. AppResp: last matched/rejected index. Vote: last log index. */
  readonly index: number;
  readonly entries: readonly Entry[];
  readonly commit: number;
  readonly reject: boolean;
  /** AppResp rejections: the follower's hint of where its log may match. */
  readonly rejectHint: number;
  readonly snapshot?: Snapshot;
  /** ReadIndex request context; Vote: 'transfer' for leader-transfer elections. */
  readonly context: string;
  /** Heartbeat: leader's logical tick when sent; echoed in HeartbeatResp (lease reads). */
  readonly sentTick: number;
}

/** Builds a message with zero values for every field the caller leaves out. */
export function message(m: Partial<Message> & Pick<Message, 'type'>): Message {
  return {
    to: NONE,
    from: NONE,
    term: 0,
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    context: '',
    sentTick: 0,
    ...m,
  };
}

export enum StateRole {
  Follower = 'Follower',
  PreCandidate = 'PreCandidate',
  Candidate = 'Candidate',
  Leader = 'Leader',
}

export interface SoftState {
  readonly leader: NodeId;
  readonly role: StateRole;
}

/** A linearizable read point: state applied through `index` may be read for `context`. */
export interface ReadState {
  readonly index: number;
  readonly context: string;
}

/**
 * Work for the host, to be done in this order: persist `snapshot`,
 * `entries` and `hardState` (one synced batch); send `messages`; apply
 * `committedEntries` in order; serve `readStates` once applied ≥ index;
 * then call `advance()`.
 */
export interface Ready {
  readonly softState?: SoftState;
  readonly hardState?: HardState;
  readonly entries: readonly Entry[];
  readonly snapshot?: Snapshot;
  readonly committedEntries: readonly Entry[];
  readonly messages: readonly Message[];
  readonly readStates: readonly ReadState[];
}

export function isLocalMessage(t: MessageType): boolean {
  return (
    t === MessageType.Hup ||
    t === MessageType.Beat ||
    t === MessageType.Prop ||
    t === MessageType.SnapStatus ||
    t === MessageType.Unreachable ||
    t === MessageType.CheckQuorum
  );
}

export function isResponseMessage(t: MessageType): boolean {
  return (
    t === MessageType.AppResp ||
    t === MessageType.VoteResp ||
    t === MessageType.PreVoteResp ||
    t === MessageType.HeartbeatResp ||
    t === MessageType.Unreachable
  );
}

/** Approximate encoded size of an entry, used for byte bounds. */
export function entrySize(e: Entry): number {
  return e.data.byteLength + 24;
}

export function entriesSize(es: readonly Entry[]): number {
  let n = 0;
  for (const e of es) n += entrySize(e);
  return n;
}
