// BUMP_TS: closes a timestamp in the group (a read at a timestamp above the
// closed one first raises it through the log): every later commit is above it.

import type { CommandHandler } from '../../apply/handler.js';
import { EMPTY_RESULT } from '../../apply/commands.js';
import { timestamps } from '../../apply/clock-bound.js';

export const bumpTsHandler: CommandHandler = {
  kinds: ['BUMP_TS'],
  declare: (cmd) => ({ reads: 'none', writes: 'none', timestamps: timestamps(['ts', cmd.ts]) }),
  apply({ machine }, cmd) {
    if (cmd.ts !== undefined && cmd.ts > machine.maxTs) machine.maxTs = cmd.ts;
    return { ...EMPTY_RESULT, commitTs: machine.maxTs };
  },
};
