// What a source group's leader does on its own, without the migrator
// (MIGRATION.md FENCE and CUTOVER): it lifts a fence that outlived its
// deadline, and it drives the idempotent Adopt of a released range to the
// target until the target confirms, so neither a stuck fence nor the
// Release→Adopt gap depends on the default group's leader being alive.

import type { Logger } from 'pino';
import { GroupMachine } from '../../apply/group-machine.js';
import { encodeCommand } from '../../apply/commands.js';
import type { GroupsPort } from '../groups-port.js';
import { unhex, type GroupJobState } from '../group-state.js';
import { GROUP_JOBS } from './jobs-state.js';

/** A source lifts a fence this long after it first saw it (its own monotonic clock). */
export const FENCE_DEADLINE_MS = 5000;
/** Every replica is looked at this often; in between, only the led groups that held job state (a new one waits at most this long). */
const WALK_EVERY_MS = 1000;
/** A source-driven Adopt that was not confirmed is sent again after this long. */
const ADOPT_RETRY_MS = 1000;

type GroupJobsMap = ReadonlyMap<number, GroupJobState>;

/** What the duties need of a replica (the node's Replica has it; this plane does not import the node layer). */
export interface SourceReplica {
  readonly group: number;
  readonly sm: unknown;
  readonly raft: { readonly term: number };
  isLeader(): boolean;
  propose(command: Uint8Array): Promise<unknown>;
}

export interface SourceDutiesOptions {
  readonly groups: GroupsPort;
  readonly log: Logger;
  readonly fenceDeadlineMs?: number;
}

export class SourceDuties {
  /** When this node, as a source leader, first saw each fence (group:job:attempt:epoch → monotonic ms). */
  private readonly fenceSeen = new Map<string, number>();
  /** Source-driven Adopts confirmed or in flight (group:job:attempt:term). */
  private readonly adoptDriven = new Set<string>();
  private readonly deadlineMs: number;
  /**
   * Led groups seen holding job state. Runs between walks of every replica
   * (one a second) look at these only: most of a node's thousands of groups
   * never take part in a migration, and a walk of 20,000 every 200 ms cost
   * 2-3 % of a core on an idle node.
   */
  private withJobs: SourceReplica[] = [];
  private lastWalk = -Infinity;

  constructor(private readonly opts: SourceDutiesOptions) {
    this.deadlineMs = opts.fenceDeadlineMs ?? FENCE_DEADLINE_MS;
  }

  /** One pass over the groups this node leads (call it a few times a second). */
  run(replicas: Iterable<SourceReplica>, now = performance.now()): void {
    const live = new Set<string>();
    const adopting = new Set<string>();
    const walk = now - this.lastWalk >= WALK_EVERY_MS || now < this.lastWalk;
    const seen: SourceReplica[] = [];
    for (const r of walk ? replicas : this.withJobs) {
      if (!r.isLeader()) continue;
      // Most groups take part in no migration: one lookup, not two walks (a node may lead thousands).
      const jobs = GroupMachine.of(r).state(GROUP_JOBS).jobs;
      if (jobs.size === 0) continue;
      seen.push(r);
      this.driveAdopts(r, jobs, adopting);
      this.liftExpiredFences(r, jobs, now, live);
    }
    if (walk) {
      this.withJobs = seen;
      this.lastWalk = now;
    }
    // Bounded: forget fences and adopts that are no longer there.
    for (const k of [...this.fenceSeen.keys()]) if (!live.has(k)) this.fenceSeen.delete(k);
    for (const k of [...this.adoptDriven]) if (!adopting.has(k)) this.adoptDriven.delete(k);
  }

  private liftExpiredFences(r: SourceReplica, jobs: GroupJobsMap, now: number, live: Set<string>): void {
    for (const st of jobs.values()) {
      if (st.role !== 'source' || st.state !== 'fenced') continue;
      const key = `${r.group}:${st.jobId}:${st.attempt}:${st.fenceEpoch}`;
      live.add(key);
      const seen = this.fenceSeen.get(key);
      if (seen === undefined) {
        this.fenceSeen.set(key, now);
        continue;
      }
      if (now - seen < this.deadlineMs) continue;
      this.fenceSeen.set(key, now); // one try per deadline
      const cmd = encodeCommand({ kind: 'MIGRATION', requestId: new Uint8Array(0), proposedTs: 0n, migration: { kind: 'UNFENCE', jobId: st.jobId, attempt: st.attempt, fenceEpoch: st.fenceEpoch } });
      this.opts.log.warn({ groupId: r.group, jobId: st.jobId, fenceEpoch: st.fenceEpoch }, 'fence deadline passed; lifting the fence');
      r.propose(cmd).catch((e: unknown) => this.opts.log.warn({ groupId: r.group, err: (e as Error).message }, 'unfence failed; will retry'));
    }
  }

  /** Sends Adopt for every released, not yet cleaned range this leader holds, once per term until confirmed. */
  private driveAdopts(r: SourceReplica, jobs: GroupJobsMap, adopting: Set<string>): void {
    for (const st of jobs.values()) {
      if (st.role !== 'source' || st.state !== 'released' || st.cleaned) continue;
      const key = `${r.group}:${st.jobId}:${st.attempt}:${r.raft.term}`;
      adopting.add(key);
      if (this.adoptDriven.has(key)) continue;
      this.adoptDriven.add(key);
      const adopt = { kind: 'ADOPT' as const, jobId: st.jobId, attempt: st.attempt, start: unhex(st.start), end: unhex(st.end), head: st.head, releaseTs: BigInt(st.releaseTs), safePoint: BigInt(st.releaseSafePoint ?? '0') };
      this.opts.groups.command(st.peerGroup, adopt).then(
        () => this.opts.log.info({ groupId: r.group, jobId: st.jobId, target: st.peerGroup }, 'source drove adopt: the target confirmed'),
        (e: unknown) => {
          setTimeout(() => this.adoptDriven.delete(key), ADOPT_RETRY_MS).unref();
          this.opts.log.debug({ groupId: r.group, jobId: st.jobId, err: (e as Error).message }, 'source-driven adopt not confirmed yet');
        },
      );
    }
  }
}
