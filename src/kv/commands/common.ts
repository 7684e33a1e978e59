// What the RawKV commands share: their commit timestamp.

import type { KvCommand } from '../../apply/commands.js';
import type { GroupMachine } from '../../apply/group-machine.js';

/** max(proposedTs, maxTs + 1): commit timestamps rise in log order on every replica. */
export function commitTsOf(m: GroupMachine, cmd: KvCommand): bigint {
  return cmd.proposedTs > m.maxTs ? cmd.proposedTs : m.maxTs + 1n;
}
