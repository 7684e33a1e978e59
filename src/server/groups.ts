// The composition of a group's state machine: the apply shell with every
// plane's command handlers and state registered (DESIGN.md §11 "apply
// inversion"). The only place that knows every plane; adding a command kind is
// one handler file plus one line here (docs/architecture.md).

import { dedupGcHandler } from '../apply/dedup-gc.js';
import { GroupMachine, LOWEST_VERSION_KEY, NO_VERSION, handlerTable } from '../apply/group-machine.js';
import type { CommandHandler, Footprint } from '../apply/handler.js';
import type { KvCommand } from '../apply/commands.js';
import { CatalogState } from '../distribution/catalog-state.js';
import { catalogHandler } from '../distribution/commands/catalog.js';
import { OwnershipState } from '../distribution/ownership-state.js';
import { stateKey, u64 } from '../storage/keys.js';
import type { OwnershipMap } from '../distribution/ownership.js';
import { bumpTsHandler } from '../kv/commands/bump-ts.js';
import { casHandler } from '../kv/commands/cas.js';
import { deleteRangeHandler } from '../kv/commands/delete-range.js';
import { mvccGcHandler } from '../kv/commands/mvcc-gc.js';
import { writeHandler } from '../kv/commands/write.js';
import { jobHandler } from '../migration/commands/job.js';
import { GroupJobs } from '../migration/group/jobs-state.js';
import { migrationHandler } from '../migration/group/step.js';
import { JobRecords } from '../migration/job-records.js';
import type { CatalogImage } from '../routing/catalog.js';
import { WatchState } from '../watch/watch-state.js';
import type { NodeDb, StorageBatch } from '../storage/db.js';
import { txnStepHandler } from '../txn/commands/txn-step.js';
import { digestHandler } from '../verify/commands/digest.js';
import { Digests } from '../verify/digests.js';
import { DEFAULT_GROUP } from './context.js';

/** Every command kind a group applies, by plane. */
export const HANDLERS: readonly CommandHandler[] = [
  // kv
  writeHandler,
  casHandler,
  deleteRangeHandler,
  bumpTsHandler,
  mvccGcHandler,
  // apply (the request-id table)
  dedupGcHandler,
  // txn
  txnStepHandler,
  // distribution (the catalog lives in the default group only: elsewhere it refuses)
  catalogHandler,
  // migration
  migrationHandler,
  jobHandler,
  // verify
  digestHandler,
];

const HANDLER_TABLE = handlerTable(HANDLERS);

/** The footprint a command's handler declares (undefined: no handler applies its kind). */
export function commandFootprint(cmd: KvCommand): Footprint | undefined {
  return HANDLERS.find((h) => h.kinds.includes(cmd.kind))?.declare(cmd);
}

export interface GroupMachineOptions {
  /** TEST-ONLY failpoints (with test hooks): this replica skips writing a key; imports drop a key. */
  readonly skipApplyKey?: Uint8Array;
  readonly skipImportKey?: Uint8Array;
}

/** A group's state machine with every plane registered, loaded from storage. */
export async function openGroupMachine(db: NodeDb, group: number, opts: GroupMachineOptions = {}): Promise<GroupMachine> {
  const m = new GroupMachine(db, group, HANDLER_TABLE);
  m.data.skipKey = opts.skipApplyKey;
  OwnershipState.attach(m);
  // The route catalog and the migration job records live in the default
  // group only; elsewhere their commands are refused (the handlers check),
  // and not attaching them saves every other group their state and reads.
  if (group === DEFAULT_GROUP) {
    CatalogState.attach(m);
    JobRecords.attach(m);
  }
  GroupJobs.attach(m).skipImportKey = opts.skipImportKey;
  Digests.attach(m);
  WatchState.attach(m);
  await m.reload();
  return m;
}

/** Writes a new group's initial state (ownership; the catalog in the default group) in the batch that bootstraps it. */
export function writeBootstrap(b: StorageBatch, group: number, state: { readonly owned: OwnershipMap; readonly catalog?: CatalogImage }): void {
  OwnershipState.writeBootstrap(b, group, state.owned);
  b.put(stateKey(group, LOWEST_VERSION_KEY), u64(NO_VERSION)); // no version yet: version GC has nothing to look at
  if (state.catalog) CatalogState.writeBootstrap(b, group, state.catalog);
}
