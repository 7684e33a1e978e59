// WRITE: puts and deletes of keys, atomically, at one commit timestamp
// (RawKV Put, Delete, BatchWrite). The commit timestamp is
// max(proposedTs, maxTs + 1): it rises in log order on every replica without
// trusting any clock.

import type { CommandHandler } from '../../apply/handler.js';
import { EMPTY_RESULT } from '../../apply/commands.js';
import { keysSpan } from '../../apply/group-machine.js';
import { FAMILY_MVCC } from '../../storage/keys.js';
import { keysDedupSpan } from '../../apply/dedup.js';
import { commitTsOf } from './common.js';

export const writeHandler: CommandHandler = {
  kinds: ['WRITE'],
  declare(cmd) {
    const keys = (cmd.writes ?? []).map((w) => w.key);
    return { reads: 'none', writes: keysSpan(keys), serves: [{ mode: 'write', keys }], dedup: keysDedupSpan(keys) };
  },
  apply({ batch, machine }, cmd) {
    const commitTs = commitTsOf(machine, cmd);
    for (const w of cmd.writes ?? []) machine.data.putVersion(batch, FAMILY_MVCC, w.key, commitTs, w.value);
    if (commitTs > machine.maxTs) machine.maxTs = commitTs;
    return { ...EMPTY_RESULT, commitTs };
  },
};
