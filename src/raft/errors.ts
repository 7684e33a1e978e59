// Errors the Raft core reports to its host. Each carries a stable `code` the
// host maps to its own error taxonomy (NOT_LEADER, OVERLOADED, ...).

import type { NodeId } from './types.js';

export type RaftErrorCode =
  /** No leader is known; retry after an election. */
  | 'NO_LEADER'
  /** This node is not the leader; `leaderHint` names the one it knows of. */
  | 'NOT_LEADER'
  /** The leader is handing leadership over; proposals are refused until it ends. */
  | 'TRANSFER_IN_PROGRESS'
  /** One entry exceeds `maxProposalBytes`. */
  | 'PROPOSAL_TOO_LARGE'
  /** Accepting the batch would exceed `maxUncommittedBytes` (back-pressure). */
  | 'UNCOMMITTED_LIMIT'
  /** The leader's queue of read-index requests is full (back-pressure). */
  | 'TOO_MANY_PENDING_READS'
  /** A membership change is already pending (one change at a time). */
  | 'CONF_CHANGE_PENDING'
  /** A membership change that cannot apply (unknown node, removing the last voter, ...). */
  | 'INVALID_CONF_CHANGE'
  /** Storage: the requested index was compacted away. */
  | 'COMPACTED'
  /** Storage: the requested index is not available (yet). */
  | 'UNAVAILABLE'
  /** Storage: a snapshot is being prepared; retry later. */
  | 'SNAPSHOT_TEMPORARILY_UNAVAILABLE'
  /** Invalid configuration passed to the core. */
  | 'INVALID_CONFIG';

export class RaftError extends Error {
  readonly code: RaftErrorCode;
  readonly leaderHint: NodeId | undefined;

  constructor(code: RaftErrorCode, message: string, leaderHint?: NodeId) {
    super(`${code}: ${message}`);
    this.name = 'RaftError';
    this.code = code;
    this.leaderHint = leaderHint;
  }
}

/** Invariant check: a violated invariant is a bug and must crash loudly. */
export function assert(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new Error(`raft invariant violated: ${msg}`);
}
