// Prometheus metrics of one node (prom-client, a registry per node).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { SplitJob } from '../migration/job.js';
import type { NodeHost } from '../node/node-host.js';
import { NONE, StateRole } from '../raft/index.js';
import type { IdleGcStats } from '../runtime/idle-gc.js';

/** The `group` label of groups beyond the per-group series limit: their counts are summed under it. */
export const OTHER_GROUPS = 'other';

export class Metrics {
  readonly registry = new Registry();
  /** Groups with ids up to this get their own series (a node may host thousands: Prometheus wants bounded cardinality). */
  readonly groupSeries: number;
  readonly requests = new Counter({ name: 'ferrykv_requests_total', help: 'Requests by method and result code', labelNames: ['method', 'code'], registers: [this.registry] });
  readonly requestDuration = new Histogram({
    name: 'ferrykv_request_duration_seconds',
    help: 'Request latency by method',
    labelNames: ['method'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly leaderChanges = new Counter({ name: 'ferrykv_raft_leader_changes_total', help: 'Leader changes observed per group', labelNames: ['group'], registers: [this.registry] });
  readonly applyDuration = new Histogram({
    name: 'ferrykv_apply_duration_seconds',
    help: 'Time to apply one ready-loop batch of committed entries, per group',
    labelNames: ['group'],
    buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1],
    registers: [this.registry],
  });
  readonly persistDuration = new Histogram({
    name: 'ferrykv_raft_persist_duration_seconds',
    help: 'Time of each ready-loop turn\'s persist: one synced write of every group\'s new entries and hard states (every group of the node waits for it)',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly fenceWindow = new Histogram({
    name: 'ferrykv_migration_fence_window_seconds',
    help: 'Write-unavailable window of each migration cutover (fence applied to adopt acknowledged), measured by the migrator',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly migrationRows = new Counter({ name: 'ferrykv_migration_copied_rows_total', help: 'Rows copied to migration targets by this node\'s migrator (backfill and change-log replay)', registers: [this.registry] });
  readonly txnCommits = new Counter({ name: 'ferrykv_txn_commits_total', help: 'Transactions this node coordinated to a commit, by path', labelNames: ['kind'], registers: [this.registry] });
  readonly migrationBytes = new Counter({ name: 'ferrykv_migration_copied_bytes_total', help: 'Bytes copied to migration targets by this node\'s migrator', registers: [this.registry] });
  readonly appliedEntries = new Counter({ name: 'ferrykv_applied_entries_total', help: 'Committed entries applied per group', labelNames: ['group'], registers: [this.registry] });
  readonly confChanges = new Counter({ name: 'ferrykv_raft_conf_changes_total', help: 'Membership changes applied per group', labelNames: ['group'], registers: [this.registry] });

  constructor(opts: { groupSeries?: number } = {}) {
    this.groupSeries = opts.groupSeries ?? 100;
    collectDefaultMetrics({ register: this.registry, prefix: 'ferrykv_process_' });
  }

  /** The `group` label value for group `g`: its id, or "other" beyond the per-group series limit. */
  group(g: number): string {
    return g <= this.groupSeries ? String(g) : OTHER_GROUPS;
  }

  /** Migration jobs by phase, stalled jobs and copy rates, read from the default group's leader at scrape time. */
  watchJobs(jobs: () => readonly SplitJob[]): void {
    new Gauge({
      name: 'ferrykv_migration_jobs',
      help: 'Migration jobs by phase (reported by the default group\'s leader)',
      labelNames: ['phase'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const j of jobs()) this.inc({ phase: j.phase });
      },
    });
    new Gauge({
      name: 'ferrykv_migration_stalled_jobs',
      help: 'Live migration jobs without progress for the stall threshold',
      registers: [this.registry],
      collect() {
        this.set(jobs().filter((j) => j.stalled && !['DONE', 'ABANDONED', 'FAILED'].includes(j.phase)).length);
      },
    });
    new Gauge({
      name: 'ferrykv_migration_rate_bytes_per_second',
      help: 'Current copy rate of each live migration job',
      labelNames: ['job'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const j of jobs()) if (!['DONE', 'ABANDONED', 'FAILED'].includes(j.phase)) this.set({ job: String(j.jobId) }, j.progress.rateBytesPerSec);
      },
    });
  }

  /** Quiescence (src/node/quiescence.ts): how many replicas are not ticked, and how often they quiesced and woke. */
  watchQuiescence(q: () => { quiescent: number; hosted: number; quiesced: number; woken: number; wokenByLiveness: number }): void {
    new Gauge({
      name: 'ferrykv_raft_quiescent_replicas',
      help: 'Replicas on this node that are quiesced (not ticked), and all replicas hosted',
      labelNames: ['state'],
      registers: [this.registry],
      collect() {
        const v = q();
        this.set({ state: 'quiescent' }, v.quiescent);
        this.set({ state: 'hosted' }, v.hosted);
      },
    });
    new Gauge({
      name: 'ferrykv_raft_quiescence_events',
      help: 'Times replicas on this node quiesced, woke, and woke because a node stopped being live or restarted (followers of its leaders, leaders with it as a member; counts since start)',
      labelNames: ['event'],
      registers: [this.registry],
      collect() {
        const v = q();
        this.set({ event: 'quiesced' }, v.quiesced);
        this.set({ event: 'woken' }, v.woken);
        this.set({ event: 'woken_by_liveness' }, v.wokenByLiveness);
      },
    });
  }

  readonly consistencyChecks = new Counter({
    name: 'ferrykv_consistency_checks_total',
    help: 'Background replica checks run by this node (as the group leader), by group and result',
    labelNames: ['group', 'result'],
    registers: [this.registry],
  });

  watchConsistency(inconsistent: () => number): void {
    new Gauge({
      name: 'ferrykv_consistency_inconsistent_groups',
      help: 'Groups whose latest background replica check on this node found differences',
      registers: [this.registry],
      collect() {
        this.set(inconsistent());
      },
    });
  }

  /** The node's own full collections when idle (src/runtime/idle-gc.ts). */
  watchIdleGc(stats: Readonly<IdleGcStats>): void {
    this.totalCounter('ferrykv_idle_gc_total', 'Full garbage collections this node ran itself while idle (--no-idle-gc turns them off)', () => stats.collections);
    this.totalCounter('ferrykv_idle_gc_reclaimed_bytes_total', 'Heap bytes those collections freed', () => stats.reclaimedBytes);
    new Gauge({
      name: 'ferrykv_idle_gc_last_pause_seconds',
      help: 'How long the last of those collections paused the event loop',
      registers: [this.registry],
      collect() {
        this.set(stats.lastPauseMs / 1000);
      },
    });
  }

  /** Raft messages sent and received by type, and dropped by reason (node-wide, every group). */
  watchRaftMessages(read: () => { sent: ReadonlyMap<string, number>; received: ReadonlyMap<string, number>; dropped: Readonly<Record<string, number>>; blocked: number }): void {
    this.totalCounter('ferrykv_raft_transport_blocked_total', 'Times a peer\'s raft stream buffer filled and this node\'s raft messages waited (bounded) for it to drain', () => read().blocked);
    new Counter({
      name: 'ferrykv_raft_messages_total',
      help: 'Raft messages this node sent to and received from peers, by message type',
      labelNames: ['dir', 'type'],
      registers: [this.registry],
      collect() {
        this.reset();
        const v = read();
        for (const [type, n] of v.sent) this.inc({ dir: 'sent', type }, n);
        for (const [type, n] of v.received) this.inc({ dir: 'received', type }, n);
      },
    });
    new Counter({
      name: 'ferrykv_raft_messages_dropped_total',
      help: 'Raft messages dropped by this node: queue_full (a peer\'s send queue was full), peer_broken (its connection had just failed), no_replica (a message for a group with no replica here)',
      labelNames: ['reason'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [reason, n] of Object.entries(read().dropped)) this.inc({ reason }, n);
      },
    });
  }

  /** Client work in flight on the node (its admission bounds; refusals count as OVERLOADED in ferrykv_requests_total). */
  watchAdmission(inFlight: () => { ops: number; bytes: number }): void {
    for (const [name, help, pick] of [
      ['ferrykv_inflight_ops', 'Client operations in flight on this node', (x: { ops: number }) => x.ops],
      ['ferrykv_inflight_bytes', 'Key and value bytes of client operations in flight on this node', (x: { bytes: number }) => x.bytes],
    ] as const) {
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.set(pick(inFlight()));
        },
      });
    }
  }

  /** A counter that reports a total kept elsewhere (read at scrape time). */
  /** Change feeds served by this node (src/watch/watch-service.ts). */
  watchFeeds(read: () => { streams: number; opened: number; events: number; progressBumps: number; overloaded: number }): void {
    new Gauge({
      name: 'ferrykv_watch_streams',
      help: 'Watch streams this node serves now',
      registers: [this.registry],
      collect() {
        this.set(read().streams);
      },
    });
    this.totalCounter('ferrykv_watch_streams_opened_total', 'Watch streams this node opened', () => read().opened);
    this.totalCounter('ferrykv_watch_events_total', 'Change events this node sent to watchers', () => read().events);
    this.totalCounter('ferrykv_watch_progress_bumps_total', 'Timestamps this node asked idle watched groups to close, for their feeds\' progress', () => read().progressBumps);
    this.totalCounter('ferrykv_watch_overloaded_total', 'Watch streams ended OVERLOADED (a watcher fell behind, or a catch-up did not converge)', () => read().overloaded);
  }

  private totalCounter(name: string, help: string, read: () => number): void {
    new Counter({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  }

  /** Storage writes of applies, and the bulk applies beside the ready loop. */
  private watchApply(host: NodeHost): void {
    this.totalCounter(
      'ferrykv_apply_writes_total',
      'Storage writes of applied entries: one per ready-loop turn that applied, for every group applying in it (more when a command read what its own pass wrote)',
      () => host.applyWrites,
    );
    this.totalCounter(
      'ferrykv_apply_bulk_total',
      'Readies whose committed entries (at least 512 KiB: IMPORT chunks, large batches) applied beside the ready loop in their own storage write, not in a turn',
      () => host.bulkApplies,
    );
    this.totalCounter(
      'ferrykv_raft_slow_turns_total',
      'Ready-loop turns that took 200 ms or more: every group of the node waited for them (each second\'s first is logged with its steps)',
      () => host.slowTurns,
    );
  }

  private watchCampaigns(c: NodeHost['campaigns']): void {
    new Counter({
      name: 'ferrykv_raft_campaigns_total',
      help: 'Elections this node\'s groups asked to start, by whether the node\'s campaign admission let them (deferred: tried again in 1-2 ticks)',
      labelNames: ['result'],
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc({ result: 'admitted' }, c.stats.admitted);
        this.inc({ result: 'deferred' }, c.stats.deferred);
      },
    });
    new Gauge({
      name: 'ferrykv_raft_campaigns_in_flight',
      help: 'Groups of this node campaigning now (pre-candidate or candidate, admitted)',
      registers: [this.registry],
      collect() {
        this.set(c.inFlight);
      },
    });
  }

  /**
   * Raft gauges read from the host at scrape time: per group for the groups
   * within the series limit (counters of the others summed under
   * group="other"), and node-wide totals over every hosted group.
   */
  watchHost(host: NodeHost): void {
    const limit = this.groupSeries;
    const gauge = (name: string, help: string, read: (g: ReturnType<NodeHost['replica']> & object) => number): void => {
      new Gauge({
        name,
        help,
        labelNames: ['group'],
        registers: [this.registry],
        collect() {
          this.reset();
          for (const [id, r] of host.replicas) if (!r.removed && id <= limit) this.set({ group: String(id) }, read(r));
        },
      });
    };
    this.watchApply(host);
    this.watchCampaigns(host.campaigns);
    new Counter({
      name: 'ferrykv_raft_proposals_total',
      help: `Entries proposed per group by this node while leading (groups beyond id ${limit} summed under group="${OTHER_GROUPS}")`,
      labelNames: ['group'],
      registers: [this.registry],
      collect() {
        this.reset();
        let other = 0;
        for (const [id, r] of host.replicas) {
          if (id <= limit) this.inc({ group: String(id) }, r.proposedEntries);
          else other += r.proposedEntries;
        }
        if (other > 0) this.inc({ group: OTHER_GROUPS }, other);
      },
    });
    gauge('ferrykv_raft_term', 'Current raft term per group', (r) => r.raft.term);
    gauge('ferrykv_raft_commit_index', 'Commit index per group', (r) => r.raft.log.committed);
    gauge('ferrykv_raft_applied_index', 'Applied index per group', (r) => r.sm.appliedIndex());
    gauge('ferrykv_raft_is_leader', '1 if this node leads the group', (r) => (r.raft.role === StateRole.Leader ? 1 : 0));
    const logEntries = (r: ReturnType<NodeHost['replica']> & object): number => r.storage.lastIndex() - r.storage.firstIndex() + 1;
    gauge('ferrykv_raft_log_entries', 'Entries in the raft log per group', logEntries);
    // Node-wide, every group counted whatever the series limit.
    const roles = ['Leader', 'Follower', 'Candidate', 'PreCandidate'] as const;
    new Gauge({
      name: 'ferrykv_node_raft_groups',
      help: 'Groups with a replica on this node, by the replica\'s raft role',
      labelNames: ['role'],
      registers: [this.registry],
      collect() {
        const n = new Map<string, number>(roles.map((x) => [x, 0]));
        for (const r of host.replicas.values()) if (!r.removed) n.set(r.raft.role, (n.get(r.raft.role) ?? 0) + 1);
        for (const [role, v] of n) this.set({ role: role.toLowerCase() }, v);
      },
    });
    const nodeSum = (name: string, help: string, read: (r: ReturnType<NodeHost['replica']> & object) => number): void => {
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          let n = 0;
          for (const r of host.replicas.values()) if (!r.removed) n += read(r);
          this.set(n);
        },
      });
    };
    nodeSum('ferrykv_node_raft_leaderless_groups', 'Groups whose replica on this node knows no leader', (r) => (r.raft.lead === NONE ? 1 : 0));
    nodeSum('ferrykv_node_raft_log_entries', 'Entries in the raft logs of every group on this node', logEntries);
  }
}
