// Quiescence (DESIGN.md §11, after CockroachDB): an idle group stops being
// ticked, so a node's idle cost follows the groups with work, not the groups
// it hosts.
//
// - A leader with nothing outstanding (raft.canQuiesce and no caller waiting)
//   for QUIET_TICKS ticks sends its followers a quiesce heartbeat and stops
//   ticking. A follower whose log ends at that heartbeat's commit stops too.
// - Any message (but a follower's answer to a heartbeat), any
//   proposal, read, membership change or transfer wakes the replica: its core
//   learns how many ticks it missed (raft.wake), so a lease from before the
//   quiescence has run out and reads confirm leadership again.
// - Failure detection without per-group heartbeats: every tick the node sends
//   each peer one empty raft batch (node liveness); a peer is live while one
//   of its batches arrived within an election timeout. When a peer stops being
//   live — or its batches carry a new incarnation: it restarted, and leads
//   nothing — the followers quiesced under its leadership wake with their
//   election timers run out, and campaign; the leaders quiesced with it as a
//   member wake too, so their CheckQuorum counts it out (else a quiesced
//   leader would report a dead follower active for as long as it slept). A
//   follower woken otherwise counts its election timer from when its leader's
//   node was last heard.

import { MessageType, StateRole, type Message, type NodeId } from '../raft/index.js';
import type { Replica } from './replica.js';

/** A leader quiesces after this many consecutive ticks with nothing to do. */
export const QUIET_TICKS = 3;

export class Quiescence {
  /** Ticks since the host started. */
  private now = 0;
  private readonly heardAt = new Map<NodeId, number>();
  private readonly incarnations = new Map<NodeId, string>();
  private readonly live = new Set<NodeId>();
  /** Quiesced replicas (not ticked). */
  readonly sleeping = new Set<Replica>();
  /** Replicas that are not quiesced (ticked): a tick costs what these cost, not what the node hosts. */
  readonly awake = new Set<Replica>();
  /** Counters (metrics and tests). */
  readonly stats = { quiesced: 0, woken: 0, wokenByLiveness: 0 };

  constructor(
    private readonly self: NodeId,
    private readonly electionTicks: number,
    private readonly enabled: boolean,
  ) {}

  /**
   * A raft batch (possibly empty: a node heartbeat) arrived from `peer`. A new
   * incarnation means the peer restarted: it leads nothing now, so followers
   * quiesced under it wake with its leadership given up (returned, for the
   * host to schedule) — else they would sleep on under a leader that is gone,
   * since the restarted node's heartbeats keep it live.
   */
  heardFrom(peer: NodeId, incarnation = ''): Replica[] {
    const before = this.incarnations.get(peer);
    this.incarnations.set(peer, incarnation);
    const restarted = before !== undefined && before !== incarnation;
    // Restarted: the leaders quiesced with it as a member wake and heartbeat
    // it, so it learns every leader within a tick instead of campaigning in
    // each of its groups (a restarted node of 50,000 groups, campaign
    // admission pacing it, had 29,000 groups without a leader after 400 s).
    // A peer that was only silent (overloaded) still knows its leaders: waking
    // every leader over it each time it answers again would add to the load.
    const woken = restarted ? [...this.wakeFollowersOf(peer), ...this.wakeLeadersOver(peer)] : [];
    this.heardAt.set(peer, this.now);
    this.live.add(peer);
    return woken;
  }

  /** Ticks since a batch from `peer` arrived (0 for this node; undefined: never). */
  heardAgo(peer: NodeId): number | undefined {
    if (peer === this.self) return 0;
    const at = this.heardAt.get(peer);
    return at === undefined ? undefined : this.now - at;
  }

  isLive(peer: NodeId): boolean {
    const ago = this.heardAgo(peer);
    return ago !== undefined && ago <= this.electionTicks;
  }

  /**
   * One host tick: the clock moves; followers of a leader whose node stopped
   * being live wake (returned, for the host to schedule).
   */
  tick(): Replica[] {
    this.now++;
    const dead: NodeId[] = [];
    for (const peer of this.live) {
      if (!this.isLive(peer)) dead.push(peer);
    }
    if (dead.length === 0) return [];
    for (const peer of dead) this.live.delete(peer);
    return dead.flatMap((peer) => [...this.wakeFollowersOf(peer), ...this.wakeLeadersOver(peer)]);
  }

  /**
   * Wakes the leaders quiesced with `peer` among their members: a quiesced
   * leader is not ticked, so without this its view of `peer` (recentActive,
   * what membership checks and status read) would stay as it was when the
   * group went quiet. Awake, the leader's CheckQuorum counts `peer` out after
   * an election timeout without an answer; with nothing to do it quiesces
   * again.
   */
  protected wakeLeadersOver(peer: NodeId): Replica[] {
    return this.wakeByLiveness((r) => {
      if (r.raft.role !== StateRole.Leader) return false;
      const cs = r.raft.confState();
      return cs.voters.includes(peer) || cs.learners.includes(peer);
    }, true);
  }

  /** Wakes the followers quiesced under `peer`'s leadership, counting the leader as not heard from since they slept. */
  protected wakeFollowersOf(peer: NodeId): Replica[] {
    return this.wakeByLiveness((r) => r.raft.lead === peer, false);
  }

  /** Wakes the sleeping replicas that `match` picks, counted as woken by liveness. */
  private wakeByLiveness(match: (r: Replica) => boolean, leaderHeard: boolean): Replica[] {
    const woken: Replica[] = [];
    for (const r of [...this.sleeping]) {
      if (!match(r)) continue;
      this.wake(r, leaderHeard);
      this.stats.wokenByLiveness++;
      woken.push(r);
    }
    return woken;
  }

  /**
   * One tick of an awake replica: a leader idle for QUIET_TICKS ticks
   * quiesces instead (its quiesce heartbeats are in its next Ready), else the
   * core ticks.
   */
  tickReplica(r: Replica): void {
    if (this.enabled && r.idle() && r.raft.canQuiesce()) {
      if (++r.quietTicks >= QUIET_TICKS) {
        r.raft.quiesce();
        this.sleep(r);
        return;
      }
    } else {
      r.quietTicks = 0;
    }
    r.raft.tick();
  }

  /**
   * Before `m` is stepped: wakes a quiesced replica — unless `m` is a
   * follower's answer to a heartbeat (the quiesce heartbeat's, or a late one
   * of the tick before), which brings no work.
   */
  beforeStep(r: Replica, m: Message): void {
    if (r.quiescedAt === undefined || m.type === MessageType.HeartbeatResp) return;
    this.wake(r);
  }

  /** After `m` was stepped: a follower quiesces on its leader's quiesce heartbeat. */
  afterStep(r: Replica, m: Message): void {
    if (this.enabled && r.quiescedAt === undefined && r.idle() && r.raft.mayQuiesceOn(m)) this.sleep(r);
  }

  /**
   * Work arrived for `r` (a proposal, a read, a membership change, a
   * transfer). `leaderHeard` false: the leader's node is gone or restarted,
   * whatever its heartbeats say.
   */
  wake(r: Replica, leaderHeard = true): void {
    if (r.quiescedAt === undefined) return;
    const missed = this.now - r.quiescedAt;
    r.quiescedAt = undefined;
    r.quietTicks = 0;
    this.sleeping.delete(r);
    this.awake.add(r);
    r.raft.wake(missed, leaderHeard ? this.heardAgo(r.raft.lead) : undefined);
    this.stats.woken++;
  }

  /** A replica opened on this node: awake until it quiesces (a new Replica is never quiesced). */
  add(r: Replica): void {
    this.awake.add(r);
  }

  /** A replica that stopped (removed from its group): neither ticked nor woken. */
  forget(r: Replica): void {
    this.sleeping.delete(r);
    this.awake.delete(r);
  }

  private sleep(r: Replica): void {
    r.quiescedAt = this.now;
    r.quietTicks = 0;
    r.storage.shrink();
    this.awake.delete(r);
    this.sleeping.add(r);
    this.stats.quiesced++;
  }
}
