// Membership and leadership changes of a group, on its leader (Admin
// AddMember / PromoteMember / RemoveMember / TransferLeader). The leader
// refuses a change that names an unknown node, promotes what is not a
// caught-up learner, or would leave the group without a quorum of live voters
// (a phantom voter stops every write once one real node fails). Live: this
// leader, and every member whose node this node heard within an election
// timeout (node liveness) and whose replica answered the leader since its
// last CheckQuorum (after a short wait for a heartbeat round: see
// awaitMemberAnswers).

import { KvError } from '../api/errors.js';
import type { Replica } from '../node/replica.js';
import { ConfChangeType, ProgressState, RaftError, StateRole, nodeId, type ConfChange, type NodeId } from '../raft/index.js';
import type { NodeContext } from './context.js';
import { sleep } from '../runtime/backoff.js';

/** A learner this many entries or fewer behind the group's commit index counts as caught up (promotion). */
const PROMOTE_MAX_LAG_ENTRIES = 1000;

export interface Membership {
  voters: number[];
  learners: number[];
  index: string;
}

/** This node's replica of `group` if it is the leader (NOT_LEADER naming the leader otherwise). */
export function leaderReplica(ctx: NodeContext, group: number): Replica {
  const r = ctx.host.replica(group);
  if (!r) throw new KvError('INVALID_ARGUMENT', `group ${group}: this node holds no replica of it`, { field: 'group_id' });
  if (r.raft.role !== StateRole.Leader) {
    const leader = r.leader();
    throw new KvError('NOT_LEADER', `group ${group}: this node is not the leader${leader ? ` (node ${leader} is)` : ''}`, {
      ...(leader ? { leaderNodeId: leader, leaderAddress: ctx.transport.peerAddress(leader) ?? '' } : {}),
    });
  }
  return r;
}

export async function changeMembership(ctx: NodeContext, group: number, cc: ConfChange, explicit?: 'promote'): Promise<Membership> {
  const r = leaderReplica(ctx, group);
  if (cc.type !== ConfChangeType.AddLearner) await awaitMemberAnswers(ctx, r, cc.type === ConfChangeType.RemoveNode ? cc.nodeId : undefined);
  checkConfChange(ctx, r, cc, explicit);
  let index: number;
  try {
    index = r.raft.proposeConfChange(cc);
  } catch (e) {
    if (e instanceof RaftError) {
      const code = e.code === 'CONF_CHANGE_PENDING' ? 'UNAVAILABLE' : e.code === 'INVALID_CONF_CHANGE' ? 'INVALID_ARGUMENT' : 'UNAVAILABLE';
      throw new KvError(code, `group ${group}: ${e.message}`, code === 'INVALID_ARGUMENT' ? { field: 'node_id' } : { retryAfterMs: 100 });
    }
    throw e;
  }
  ctx.host.schedule(group);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    r.waitApplied(index),
    new Promise((_, rej) => (timer = setTimeout(() => rej(new KvError('DEADLINE_EXCEEDED', `membership change at ${index} not applied in time`)), ctx.cfg.requestTimeoutMs))),
  ]).finally(() => clearTimeout(timer));
  const cs = r.raft.confState();
  return { voters: [...cs.voters], learners: [...cs.learners], index: String(index) };
}

/** AddMember, PromoteMember and RemoveMember requests as conf changes. */
export const confChanges = {
  add: (req: { nodeId: number; learner: boolean; address: string }): ConfChange => {
    const context = req.address ? new TextEncoder().encode(req.address) : undefined;
    return { type: req.learner ? ConfChangeType.AddLearner : ConfChangeType.AddVoter, nodeId: nodeId(req.nodeId), ...(context ? { context } : {}) };
  },
  promote: (req: { nodeId: number }): ConfChange => ({ type: ConfChangeType.AddVoter, nodeId: nodeId(req.nodeId) }),
  remove: (req: { nodeId: number }): ConfChange => ({ type: ConfChangeType.RemoveNode, nodeId: nodeId(req.nodeId) }),
};

/** Host ticks a membership change waits for members that are up to answer a heartbeat (heartbeats go out every tick). */
const ANSWER_WAIT_TICKS = 5;

/**
 * Waits (at most ANSWER_WAIT_TICKS ticks, never an election timeout) until
 * every member but `except` whose node is live has answered the leader since
 * its last CheckQuorum. CheckQuorum clears every follower's recentActive at
 * each check, and waking a quiesced leader clears them too: a change checked
 * right then would count up voters as down ("below the quorum"). Members that
 * are down, or up but not answering, are not waited past the bound.
 */
export async function awaitMemberAnswers(ctx: NodeContext, r: Replica, except?: NodeId): Promise<void> {
  ctx.host.schedule(r.group); // wakes a quiesced group: its leader heartbeats at the next tick
  const deadline = Date.now() + ctx.cfg.tickMs * Math.min(ANSWER_WAIT_TICKS, ctx.cfg.electionTicks);
  for (;;) {
    const cs = r.raft.confState();
    const progress = r.raft.status().progress;
    const waiting = [...cs.voters, ...cs.learners].some(
      (id) => id !== ctx.host.nodeId && id !== except && ctx.host.quiescence.isLive(id) && progress.get(id)?.recentActive !== true,
    );
    if (!waiting || Date.now() >= deadline || r.raft.role !== StateRole.Leader) return;
    await sleep(Math.max(5, Math.floor(ctx.cfg.tickMs / 4)));
  }
}

/** Refuses `cc` with a typed error when it is unsafe or names what is not there (exported for tests). */
export function checkConfChange(ctx: NodeContext, r: Replica, cc: ConfChange, explicit?: 'promote'): void {
  const group = r.group;
  const n = cc.nodeId;
  const cs = r.raft.confState();
  const progress = r.raft.status().progress;
  // Live: the member's node is heard (node liveness, a heartbeat batch per
  // tick whatever the group does: a quiesced leader's flags stop moving) and
  // its replica answered since the last CheckQuorum (a node that is up but
  // drops the group's traffic, as a replacement node does until it re-enters,
  // is not live). awaitMemberAnswers ran first, so a flag CheckQuorum just
  // cleared had a heartbeat round to be set again.
  const live = (id: NodeId): boolean => id === ctx.host.nodeId || (progress.get(id)?.recentActive === true && ctx.host.quiescence.isLive(id));
  const known = n === ctx.host.nodeId || ctx.cfg.cluster.nodes.some((x) => x.id === n) || ctx.transport.peerAddress(n) !== undefined || (cc.context?.byteLength ?? 0) > 0;
  const refuse = (reason: string, code: 'INVALID_ARGUMENT' | 'UNAVAILABLE' = 'INVALID_ARGUMENT'): never => {
    throw new KvError(code, `group ${group}: ${reason}`, code === 'INVALID_ARGUMENT' ? { field: 'node_id', reason } : { retryAfterMs: 200 });
  };
  const members = `voters ${[...cs.voters].join(',') || '-'}, learners ${[...cs.learners].join(',') || '-'}`;
  const quorum = (voters: readonly NodeId[]): void => {
    const up = voters.filter(live).length;
    const need = Math.floor(voters.length / 2) + 1;
    if (up < need) refuse(`the change would leave voters ${voters.join(',')} with ${up} live (${voters.filter(live).join(',') || 'none'}), below the quorum of ${need}: the group could not commit anything`);
  };
  switch (cc.type) {
    case ConfChangeType.AddVoter: {
      if (cs.voters.includes(n)) refuse(`node ${n} is already a voter (${members})`);
      const learner = cs.learners.includes(n);
      if (explicit === 'promote' && !learner) refuse(`node ${n} is not a learner (${members}): add it as a learner, let it catch up, then promote it`);
      if (!known) refuse(`node ${n} is not a known node (not in the cluster file, no address given)`);
      if (learner) {
        const p = progress.get(n);
        const commit = r.raft.log.committed;
        // Caught up: it answers, the leader streams to it (not probing, not sending a snapshot), and it is close to the commit index.
        const answering = p !== undefined && live(n) && p.state === ProgressState.Replicate && p.match > 0;
        if (!answering || p.match + PROMOTE_MAX_LAG_ENTRIES < commit) {
          refuse(`learner ${n} has not caught up (it holds up to index ${p?.match ?? 0}, the group committed ${commit}${answering ? '' : ', and it is not taking entries'}); promote it once it has`, 'UNAVAILABLE');
        }
      }
      quorum([...cs.voters, n]);
      return;
    }
    case ConfChangeType.AddLearner:
      if (cs.voters.includes(n) || cs.learners.includes(n)) refuse(`node ${n} is already a member (${members})`);
      if (!known) refuse(`node ${n} is not a known node (not in the cluster file, no address given)`);
      return;
    case ConfChangeType.RemoveNode: {
      if (!cs.voters.includes(n) && !cs.learners.includes(n)) refuse(`node ${n} is not a member (${members})`);
      if (!cs.voters.includes(n)) return;
      const rest = cs.voters.filter((v) => v !== n);
      if (rest.length === 0) refuse(`node ${n} is the last voter`);
      quorum(rest);
      return;
    }
  }
}

/** Moves leadership of a group to a voter; resolves once it moved (UNAVAILABLE if it did not in time). */
export async function transferLeader(ctx: NodeContext, group: number, toNode: number): Promise<{ leaderId: number }> {
  const r = leaderReplica(ctx, group);
  const to = nodeId(toNode);
  if (!r.raft.confState().voters.includes(to)) throw new KvError('INVALID_ARGUMENT', `to_node_id: node ${to} is not a voter of group ${group}`, { field: 'to_node_id' });
  r.raft.transferLeader(to);
  ctx.host.schedule(group);
  const deadline = Date.now() + ctx.cfg.tickMs * ctx.cfg.electionTicks * 3;
  while (Date.now() < deadline) {
    if (r.raft.lead === to) return { leaderId: to };
    await sleep(ctx.cfg.tickMs);
  }
  throw new KvError('UNAVAILABLE', `leadership of group ${group} did not move to node ${to} in time; retry`);
}
