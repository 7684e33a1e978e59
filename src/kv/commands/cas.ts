// CAS: put a value if the current value equals the expected one (or the key
// is absent, with expect_absent). Reads its key at apply, after every earlier
// entry's writes (the shell flushes the batch if one wrote the key).

import type { CommandHandler } from '../../apply/handler.js';
import { EMPTY_RESULT } from '../../apply/commands.js';
import { keysSpan } from '../../apply/group-machine.js';
import { FAMILY_MVCC } from '../../storage/keys.js';
import { keyDedupSpan } from '../../apply/dedup.js';
import { commitTsOf } from './common.js';

const MAX_TS = (1n << 64n) - 1n;

export const casHandler: CommandHandler = {
  kinds: ['CAS'],
  declare(cmd) {
    const key = cmd.key ?? new Uint8Array(0);
    return { reads: keysSpan([key]), writes: keysSpan([key]), serves: [{ mode: 'write', keys: [key] }], dedup: keyDedupSpan(key) };
  },
  async apply({ batch, machine }, cmd) {
    const key = cmd.key ?? new Uint8Array(0);
    const commitTs = commitTsOf(machine, cmd);
    const cur = await machine.data.store(FAMILY_MVCC).get(key, MAX_TS);
    const matches = cmd.expectAbsent ? cur === undefined : cur !== undefined && Buffer.compare(cur.value, cmd.expected ?? new Uint8Array(0)) === 0;
    if (!matches) return { ...EMPTY_RESULT, commitTs: 0n, succeeded: false, currentFound: cur !== undefined, current: cur?.value ?? new Uint8Array(0) };
    machine.data.putVersion(batch, FAMILY_MVCC, key, commitTs, cmd.value ?? new Uint8Array(0));
    if (commitTs > machine.maxTs) machine.maxTs = commitTs;
    return { ...EMPTY_RESULT, commitTs, succeeded: true };
  },
};
