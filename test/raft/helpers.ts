// Helpers shared by the Raft unit tests (the network itself is in harness.ts).

import { expect } from 'vitest';
import {
  ConfChangeType,
  MemoryStorage,
  MessageType,
  Raft,
  RaftError,
  StateRole,
  message,
  nodeId,
  type ConfChange,
  type Entry,
  type Message,
  type RaftErrorCode,
} from '../../src/raft/index.js';
import { Network, ids, seededRandom, type NodeOptions } from './harness.js';

/** Runs `fn`, expecting it to throw a RaftError with `code`; returns the error. */
export function expectRaftError(fn: () => unknown, code: RaftErrorCode): RaftError {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, `expected RaftError ${code}`).toBeInstanceOf(RaftError);
  const err = thrown as RaftError;
  expect(err.code).toBe(code);
  return err;
}

/** A network of `voters` (and `learners`) where node `leader` has won the first election. */
export function clusterWithLeader(
  voters: number[],
  opts: NodeOptions = {},
  learners: number[] = [],
  leader = voters[0]!,
): Network {
  const net = new Network(voters, opts, learners);
  net.campaign(leader);
  expect(net.raft(leader).role).toBe(StateRole.Leader);
  return net;
}

/** A standalone Raft core (no network) over a fresh MemoryStorage. */
export function soloRaft(
  id: number,
  voters: number[],
  opts: NodeOptions = {},
  learners: number[] = [],
  log: readonly Entry[] = [],
  hard: { term: number; vote?: number; commit?: number } = { term: 0 },
): { raft: Raft; storage: MemoryStorage } {
  const storage = new MemoryStorage({ voters: ids(...voters), learners: ids(...learners) });
  // A bootstrapped storage already holds (index 1, term 1) as its initial snapshot.
  storage.append(log);
  if (hard.term > 0) {
    const commit = Math.max(hard.commit ?? 0, storage.firstIndex() - 1);
    storage.setHardState({ term: hard.term, vote: nodeId(hard.vote ?? 0), commit });
  }
  const raft = new Raft({ id: nodeId(id), storage, random: seededRandom(id * 31 + 7), ...opts });
  return { raft, storage };
}

/** One Ready cycle for a standalone core: persists into `storage`, returns the outgoing messages. */
export function drain(raft: Raft, storage: MemoryStorage): Message[] {
  if (!raft.hasReady()) return [];
  const rd = raft.ready();
  if (rd.snapshot) storage.applySnapshot(rd.snapshot);
  storage.append(rd.entries);
  if (rd.hardState) storage.setHardState(rd.hardState);
  raft.advance();
  return [...rd.messages];
}

/** A vote (or pre-vote) request from `from` at `term` with the candidate's last log position. */
export function voteRequest(
  from: number,
  to: number,
  term: number,
  lastIndex: number,
  lastTerm: number,
  type: MessageType.Vote | MessageType.PreVote = MessageType.Vote,
): Message {
  return message({ type, from: nodeId(from), to: nodeId(to), term, index: lastIndex, logTerm: lastTerm });
}

export const addVoter = (n: number): ConfChange => ({ type: ConfChangeType.AddVoter, nodeId: nodeId(n) });
export const addLearner = (n: number): ConfChange => ({ type: ConfChangeType.AddLearner, nodeId: nodeId(n) });
export const removeNode = (n: number): ConfChange => ({ type: ConfChangeType.RemoveNode, nodeId: nodeId(n) });

/** Terms of a node's whole log, index 1 first (the log must not be compacted). */
export function logTerms(raft: Raft): number[] {
  const out: number[] = [];
  for (let i = raft.log.firstIndex(); i <= raft.log.lastIndex(); i++) out.push(raft.log.term(i)!);
  return out;
}

/** Messages of `type` to node `to` in a message list. */
export function msgsOf(msgs: readonly Message[], type: MessageType, to?: number): Message[] {
  return msgs.filter((m) => m.type === type && (to === undefined || m.to === to));
}

/** Ticks every node until some node is leader (at most `maxTicks`); returns its id. */
export function tickUntilLeader(net: Network, among: number[], maxTicks = 200): number {
  for (let i = 0; i < maxTicks; i++) {
    for (const n of among) if (net.raft(n).role === StateRole.Leader) return n;
    for (const n of among) net.raft(n).tick();
    net.stabilize();
  }
  throw new Error(`no leader among ${among.join(',')} after ${maxTicks} ticks`);
}
