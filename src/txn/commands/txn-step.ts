// TXN: one step of a Percolator transaction in a participant group's log
// (prewrite, commit, resolve, check-status, validate, one-phase commit,
// heartbeat), applied by src/txn/txn-apply.ts against this group's families.
// A step reads and writes only its own keys (the batch is flushed first only
// if an earlier entry wrote one of them; a step with ranges reads them all).

import { timestamps } from '../../apply/clock-bound.js';
import { keysSpan, rejected } from '../../apply/group-machine.js';
import type { CommandHandler, Served } from '../../apply/handler.js';
import type { GroupMachine } from '../../apply/group-machine.js';
import type { KvCommand, TxnCommand } from '../../apply/commands.js';
import { FAMILY_MVCC } from '../../storage/keys.js';
import { keysDedupSpan } from '../../apply/dedup.js';
import { applyTxn, type TxnStore } from '../txn-apply.js';
import { FAMILY_LOCK, FAMILY_TXN, encodeLock, encodeRecord } from '../txn-records.js';

/** The user keys a step reads or writes ('all': it names ranges). */
function stepKeys(t: TxnCommand): Uint8Array[] | 'all' {
  if ((t.readRanges ?? []).length > 0) return 'all';
  return [...(t.mutations ?? []).map((m) => m.key), ...(t.keys ?? []), ...(t.readKeys ?? []), ...(t.primary && t.primary.byteLength > 0 ? [t.primary] : [])];
}

/** What the group must serve for a step (MIGRATION.md: a refused step is re-sent to the new owner). */
function served(t: TxnCommand): Served[] {
  if (t.kind === 'VALIDATE') return [{ mode: 'read', keys: t.readKeys ?? [], ranges: t.readRanges ?? [] }];
  const keys = [...(t.mutations ?? []).map((m) => m.key), ...(t.keys ?? [])];
  if (t.kind === 'CHECK_STATUS' || t.kind === 'HEARTBEAT') keys.push(t.primary ?? new Uint8Array(0));
  const out: Served[] = [{ mode: 'write', keys }];
  if (t.kind === 'ONE_PC') out.push({ mode: 'read', keys: t.readKeys ?? [], ranges: t.readRanges ?? [] });
  return out;
}

/** The transaction steps' view of a group's families and clock. */
export function txnStore(m: GroupMachine): TxnStore {
  return {
    mvcc: m.data.store(FAMILY_MVCC),
    locks: m.data.store(FAMILY_LOCK),
    records: m.data.store(FAMILY_TXN),
    get maxTs() {
      return m.maxTs;
    },
    set maxTs(v: bigint) {
      m.maxTs = v;
    },
    get safePoint() {
      return m.safePoint;
    },
    putVersion: (b, key, ts, value) => m.data.putVersion(b, FAMILY_MVCC, key, ts, value),
    putLock: (b, key, lock) => m.data.putVersion(b, FAMILY_LOCK, key, lock.startTs, encodeLock(lock)),
    deleteLock: (b, key, startTs) => m.data.removeVersion(b, FAMILY_LOCK, key, startTs),
    putRecord: (b, primary, startTs, rec) => m.data.putVersion(b, FAMILY_TXN, primary, startTs, encodeRecord(rec)),
  };
}

export const txnStepHandler: CommandHandler = {
  kinds: ['TXN'],
  declare(cmd: KvCommand) {
    const t = cmd.txn;
    if (!t) return { reads: 'none', writes: 'none' };
    const keys = stepKeys(t);
    const span = keys === 'all' ? 'all' : keysSpan(keys);
    return {
      reads: span,
      writes: span,
      serves: served(t),
      dedup: keysDedupSpan((t.mutations ?? []).map((m) => m.key)),
      timestamps: timestamps(['txn.start_ts', t.startTs], ['txn.commit_ts', t.commitTs]),
    };
  },
  async apply({ batch, machine }, cmd) {
    if (!cmd.txn) return rejected('INVALID_ARGUMENT', 'txn command without a step');
    return applyTxn(txnStore(machine), batch, cmd.txn, cmd.proposedTs);
  },
};
