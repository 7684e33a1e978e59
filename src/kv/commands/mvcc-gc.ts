// MVCC_GC: raises the GC safe point to `ts` (never lowers it, never past the
// closed timestamp) and collects one bounded batch of versions no read at or
// above it can see, after the cursor `start`. Held ranges keep every version:
// whatever the group does not serve plainly (a migration's captured or
// released copy, an adopted copy until its job finished — VERIFY compares
// every version at or below the floor), passed over with one seek.

import type { CommandHandler } from '../../apply/handler.js';
import { EMPTY_RESULT } from '../../apply/commands.js';
import { FAMILY_MVCC } from '../../storage/keys.js';

export const mvccGcHandler: CommandHandler = {
  kinds: ['MVCC_GC'],
  declare: () => ({ reads: 'all', writes: 'all', collects: true }),
  async apply({ batch, machine }, cmd) {
    const safePoint = cmd.ts ?? 0n;
    machine.raiseSafePoint(batch, safePoint < machine.maxTs ? safePoint : machine.maxTs);
    const cursor = cmd.start ?? new Uint8Array(0);
    const limit = Math.max(1, Math.min(cmd.maxKeys ?? 1000, 10_000));
    const keep = (key: Uint8Array): boolean => machine.heldAt(key) !== undefined;
    const skip = (key: Uint8Array): Uint8Array | undefined => machine.heldAt(key)?.end;
    const mvcc = machine.data.store(FAMILY_MVCC);
    const opts = { maxVersions: limit, maxScanned: limit * 10, ...(cmd.maxScanBytes ? { maxScannedBytes: cmd.maxScanBytes } : {}), keep, skip };
    let res;
    try {
      res = await mvcc.gc(batch, machine.safePoint, { ...(cursor.byteLength > 0 ? { cursor } : {}), ...opts });
    } catch {
      res = await mvcc.gc(batch, machine.safePoint, opts); // a stale cursor: start over
    }
    // Versions above the safe point may be shadowed already and become collectible at a later one;
    // at or below it, what is left is every key's newest version (or held): only a write changes that.
    const later = machine.maxTs > machine.safePoint ? { keptFrom: machine.safePoint } : {};
    return { ...EMPTY_RESULT, deleted: res.deleted, more: res.cursor !== undefined, resumeKey: res.cursor ?? new Uint8Array(0), commitTs: machine.safePoint, ...later };
  },
};
