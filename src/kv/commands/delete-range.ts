// DELETE_RANGE: a tombstone on every live key of [start, end), at most
// max_keys of them per command; `more` and `resumeKey` say where the next
// chunk starts (the coordinator proposes chunks until the range is done).

import type { CommandHandler } from '../../apply/handler.js';
import { EMPTY_RESULT } from '../../apply/commands.js';
import { FAMILY_MVCC } from '../../storage/keys.js';
import { commitTsOf } from './common.js';

const MAX_TS = (1n << 64n) - 1n;

export const deleteRangeHandler: CommandHandler = {
  kinds: ['DELETE_RANGE'],
  declare(cmd) {
    const start = cmd.start ?? new Uint8Array(0);
    const end = cmd.end ?? new Uint8Array(0);
    return { reads: 'all', writes: 'all', serves: [{ mode: 'write', ranges: [{ start, end }] }], dedup: { start, end } };
  },
  async apply({ batch, machine }, cmd) {
    const commitTs = commitTsOf(machine, cmd);
    const max = cmd.maxKeys && cmd.maxKeys > 0 ? cmd.maxKeys : 1000;
    const end = cmd.end && cmd.end.byteLength > 0 ? cmd.end : undefined;
    const live = await machine.data.store(FAMILY_MVCC).scan({ start: cmd.start, ...(end ? { end } : {}), readTs: MAX_TS, limit: max + 1 });
    const doomed = live.slice(0, max);
    for (const kv of doomed) machine.data.putVersion(batch, FAMILY_MVCC, kv.key, commitTs, null);
    const more = live.length > max;
    if (commitTs > machine.maxTs) machine.maxTs = commitTs;
    return { ...EMPTY_RESULT, commitTs, deleted: doomed.length, more, resumeKey: more ? live[max]!.key : new Uint8Array(0) };
  },
};
