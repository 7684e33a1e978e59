// One typed view of a group's replicated state across planes, for the
// composition root and tests: the group machine with each plane's state at
// hand. Planes never use it (they reach each other's state through the
// machine's slots); it exists so the wiring reads `state.catalog`, not casts.

import type { KvCommand, KvResult } from '../apply/commands.js';
import { GroupMachine } from '../apply/group-machine.js';
import { CATALOG, type CatalogEvent } from '../distribution/catalog-state.js';
import { OWNERSHIP } from '../distribution/ownership-state.js';
import type { OwnershipMap } from '../distribution/ownership.js';
import type { GroupJobState } from '../migration/group-state.js';
import { GROUP_JOBS } from '../migration/group/jobs-state.js';
import type { SplitJob } from '../migration/job.js';
import { JOB_RECORDS } from '../migration/job-records.js';
import type { MigrationRow } from '../apply/rows.js';
import type { RouteCatalog } from '../routing/catalog.js';
import type { Entry } from '../raft/index.js';
import type { NodeDb, SharedBatch } from '../storage/db.js';
import { FAMILY_LOCK, FAMILY_MVCC, FAMILY_TXN } from '../storage/keys.js';
import type { MvccStore } from '../storage/mvcc-store.js';
import { DIGESTS, type DbSnapshot } from '../verify/digests.js';
import { openGroupMachine, writeBootstrap, type GroupMachineOptions } from './groups.js';


const NO_JOBS: ReadonlyMap<number, SplitJob> = new Map();
export class GroupState {
  constructor(readonly machine: GroupMachine) {}

  static async open(db: NodeDb, group: number, opts: GroupMachineOptions = {}): Promise<GroupState> {
    return new GroupState(await openGroupMachine(db, group, opts));
  }

  static readonly writeBootstrap = writeBootstrap;

  /** The state of a replica's group. */
  static of(r: { readonly sm: unknown; readonly group: number }): GroupState {
    return new GroupState(GroupMachine.of(r));
  }

  get group(): number {
    return this.machine.group;
  }
  get db(): NodeDb {
    return this.machine.db;
  }
  get mvcc(): MvccStore {
    return this.machine.data.store(FAMILY_MVCC);
  }
  get locks(): MvccStore {
    return this.machine.data.store(FAMILY_LOCK);
  }
  get records(): MvccStore {
    return this.machine.data.store(FAMILY_TXN);
  }
  get maxTs(): bigint {
    return this.machine.maxTs;
  }
  get safePoint(): bigint {
    return this.machine.safePoint;
  }
  get ownership(): OwnershipMap {
    return this.machine.state(OWNERSHIP).map;
  }
  /** The route catalog (the default group holds it; undefined elsewhere). */
  get catalog(): RouteCatalog | undefined {
    return this.machine.has(CATALOG) ? this.machine.state(CATALOG).catalog : undefined;
  }
  /** This group's state for the migrations it takes part in. */
  get jobs(): ReadonlyMap<number, GroupJobState> {
    return this.machine.state(GROUP_JOBS).jobs;
  }
  /** Default group: the migration job records. */
  get splitJobs(): ReadonlyMap<number, SplitJob> {
    return this.machine.has(JOB_RECORDS) ? this.machine.state(JOB_RECORDS).jobs : NO_JOBS;
  }

  applyEntries(entries: readonly Entry[], into?: SharedBatch): Promise<Map<number, KvResult>> {
    return this.machine.applyEntries(entries, into);
  }
  afterWrite(): void {
    this.machine.afterWrite();
  }
  appliedIndex(): number {
    return this.machine.appliedIndex();
  }
  get applied(): number {
    return this.machine.applied;
  }
  reload(): Promise<void> {
    return this.machine.reload();
  }
  notOwned(cmd: KvCommand): KvResult | undefined {
    return this.machine.refusal(cmd);
  }
  ownershipChange(ms: number): Promise<void> {
    return this.machine.state(OWNERSHIP).change(ms);
  }
  readChangeLog(jobId: number, attempt: number, afterSeq: number, maxBytes: number): Promise<{ seq: number; row: MigrationRow }[]> {
    return this.machine.state(GROUP_JOBS).readChangeLog(jobId, attempt, afterSeq, maxBytes);
  }
  changeLogKey(jobId: number, attempt: number, seq: number): Uint8Array {
    return this.machine.state(GROUP_JOBS).changeLogKey(jobId, attempt, seq);
  }
  catalogChangesSince(version: number): CatalogEvent[] | undefined {
    return this.machine.state(CATALOG).changesSince(version);
  }
  onCatalogChange(f: (e: CatalogEvent) => void): () => void {
    return this.machine.state(CATALOG).onChange(f);
  }
  onJobChange(f: (j: SplitJob) => void): () => void {
    return this.machine.state(JOB_RECORDS).onChange(f);
  }
  digest(id: string): { snapshot: DbSnapshot; index: number } | undefined {
    return this.machine.state(DIGESTS).get(id);
  }
}
