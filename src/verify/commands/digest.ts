// DIGEST: a Raft-ordered read point for replica verification. The batch is
// flushed before it (the read point covers every earlier entry), and each
// replica snapshots its state here (key = the digest id).

import { EMPTY_RESULT } from '../../apply/commands.js';
import type { CommandHandler } from '../../apply/handler.js';
import { DIGESTS } from '../digests.js';

export const digestHandler: CommandHandler = {
  kinds: ['DIGEST'],
  declare: () => ({ reads: 'all', writes: 'none' }),
  apply({ machine, index }, cmd) {
    machine.state(DIGESTS).take(Buffer.from(cmd.key ?? new Uint8Array(0)).toString('hex'), index);
    return { ...EMPTY_RESULT, index };
  },
};
