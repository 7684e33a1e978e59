// DEDUP_GC: forgets request ids whose original apply was before HLC `ts`
// (retention is measured in HLC time, so every replica collects alike),
// scanning at most max_keys entries after `start`; where to resume comes back
// in the result. Expiry pauses where a plane holds the range (a migration
// moves request ids with their range: MIGRATION.md, the family table).

import { BULK_SCAN } from '../storage/db.js';
import { dataPrefix, prefixEnd, readU64, unescapeKey } from '../storage/keys.js';
import { EMPTY_RESULT } from './commands.js';
import { FAMILY_DEDUP, decodeDedup, dedupKey } from './dedup.js';
import type { CommandHandler } from './handler.js';

export const dedupGcHandler: CommandHandler = {
  kinds: ['DEDUP_GC'],
  declare: () => ({ reads: 'all', writes: 'all', collects: true }),
  async apply({ batch, machine, forgetRequestId }, cmd) {
    const beforeTs = cmd.ts ?? 0n;
    const after = cmd.start ?? new Uint8Array(0);
    const prefix = dataPrefix(machine.group, FAMILY_DEDUP);
    const range = after.byteLength > 0 ? { gt: dedupKey(machine.group, after), lt: prefixEnd(prefix) } : { gte: prefix, lt: prefixEnd(prefix) };
    const limit = Math.max(1, Math.min(cmd.maxKeys ?? 1000, 100_000));
    let scanned = 0;
    let deleted = 0;
    let last: Uint8Array | undefined;
    let keptFrom: bigint | undefined;
    for await (const [k, v] of machine.db.level.iterator({ ...range, limit, ...BULK_SCAN })) {
      scanned++;
      last = k;
      const entry = decodeDedup(v);
      // A held entry waits for its hold to end, which is a write (a new generation): not kept "until a time".
      if (machine.overlapsHeld(entry.start, entry.end)) continue;
      const hlc = readU64(v, 0);
      if (hlc >= beforeTs) {
        if (keptFrom === undefined || hlc < keptFrom) keptFrom = hlc;
        continue;
      }
      batch.del(k);
      deleted++;
      // An id collected in this pass must not answer from the pass's memory either.
      forgetRequestId(Buffer.from(unescapeKey(k, prefix.byteLength).key).toString('hex'));
    }
    const more = scanned >= limit && last !== undefined;
    return { ...EMPTY_RESULT, deleted, more, resumeKey: more ? unescapeKey(last!, prefix.byteLength).key : new Uint8Array(0), ...(keptFrom !== undefined ? { keptFrom } : {}) };
  },
};
