// The migration job records in the default group (MIGRATION.md "The job
// record"): the migrator's mirror and to-do list, never the authority. Part of
// the default group's replicated state; terminal jobs beyond the newest 1,000
// are forgotten (a FAILED job after release stays until cleared). Listeners
// hear of every change after its batch is durable (WatchSplitJob, metrics).

import type { GroupMachine } from '../apply/group-machine.js';
import { slot, type PlaneState } from '../apply/handler.js';
import type { StorageBatch } from '../storage/db.js';
import { prefixEnd, readU64, stateKey, u64 } from '../storage/keys.js';
import { decodeJob, encodeJob, type SplitJob } from './job.js';

/** Terminal job records kept (newest first). */
const JOB_HISTORY = 1000;

export const JOB_RECORDS = slot<JobRecords>('migration job records');

export class JobRecords implements PlaneState {
  readonly jobs = new Map<number, SplitJob>();
  nextJobId = 1;
  private pending: SplitJob[] = [];
  private readonly listeners = new Set<(j: SplitJob) => void>();

  constructor(private readonly m: GroupMachine) {}

  static attach(m: GroupMachine): JobRecords {
    return m.attach(JOB_RECORDS, new JobRecords(m));
  }

  async reload(): Promise<void> {
    this.jobs.clear();
    const sp = stateKey(this.m.group, 'job/');
    for await (const [, v] of this.m.db.level.iterator({ gte: sp, lt: prefixEnd(sp) })) {
      const j = decodeJob(new TextDecoder().decode(v));
      this.jobs.set(j.jobId, j);
    }
    const seq = await this.m.db.level.get(stateKey(this.m.group, 'jobseq'));
    this.nextJobId = seq === undefined ? 1 : Number(readU64(seq, 0));
  }

  /** A new job id (persisted in `b`). */
  allocate(b: StorageBatch): number {
    const id = this.nextJobId++;
    b.put(stateKey(this.m.group, 'jobseq'), u64(BigInt(this.nextJobId)));
    return id;
  }

  store(b: StorageBatch, j: SplitJob): void {
    this.jobs.set(j.jobId, j);
    b.put(this.key(j.jobId), new TextEncoder().encode(encodeJob(j)));
    this.pending.push(j);
  }

  /** Terminal jobs beyond the newest JOB_HISTORY are forgotten. */
  trim(b: StorageBatch): void {
    const done = [...this.jobs.values()].filter((j) => j.phase === 'DONE' || j.phase === 'ABANDONED').sort((a, c) => a.jobId - c.jobId);
    for (const j of done.slice(0, Math.max(0, done.length - JOB_HISTORY))) {
      this.jobs.delete(j.jobId);
      b.del(this.key(j.jobId));
    }
  }

  afterBatch(): void {
    const changed = this.pending;
    this.pending = [];
    for (const j of changed) {
      for (const f of this.listeners) {
        try {
          f(j);
        } catch {
          /* a listener's failure is its own */
        }
      }
    }
  }

  /** Calls `f` after every applied job record change; returns the unsubscribe function. */
  onChange(f: (j: SplitJob) => void): () => void {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }

  private key(jobId: number): Uint8Array {
    return stateKey(this.m.group, `job/${String(jobId).padStart(12, '0')}`);
  }
}
