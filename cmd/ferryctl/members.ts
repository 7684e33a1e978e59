// `ferryctl members add|promote|remove` and `ferryctl transfer-leader`: one
// configuration change of a group, sent to its leader (following NOT_LEADER).
// The leader refuses changes that would hurt (unknown nodes, a learner not
// caught up, a group left below a quorum of live voters); ferryctl prints why.

import type { Command } from 'commander';
import { uintOption, usageExit, type CtlContext, type AdminMethod } from './context.js';
import type { MembersJson, TransferLeaderJson } from './output.js';

/** Group and node ids are positive uint32s; anything else is a usage error, not NaN on the wire. */
const ID = uintOption(1, 0xffff_ffff);

async function changeMembers(ctx: CtlContext, group: number, method: AdminMethod, req: object): Promise<void> {
  try {
    const r = await ctx.onLeader<MembersJson>(method, req);
    ctx.out(`group ${group}: voters ${r.voters.join(',')} learners ${r.learners.join(',') || '-'}`, r);
  } catch (e) {
    ctx.fail(e);
  }
}

export function registerMembersCommands(program: Command, ctx: CtlContext): void {
  const members = program.command('members').description('change the members of a group');
  members
    .command('add')
    .exitOverride(usageExit)
    .argument('<group>', 'group id', ID)
    .argument('<node>', 'node id', ID)
    .argument('[address]', "the node's address, if the group's peers do not know it")
    .description('add a node to a group (as a learner unless --voter)')
    .option('--voter', 'add as a voter directly', false)
    .action((group: number, node: number, address: string | undefined, o: { voter: boolean }) =>
      changeMembers(ctx, group, 'addMember', { groupId: group, nodeId: node, address: address ?? '', learner: !o.voter }),
    );
  for (const [verb, method, description] of [
    ['promote', 'promoteMember', 'promote a learner to voter'],
    ['remove', 'removeMember', 'remove a node from a group'],
  ] as const) {
    members
      .command(verb)
      .exitOverride(usageExit)
      .argument('<group>', 'group id', ID)
      .argument('<node>', 'node id', ID)
      .description(description)
      .action((group: number, node: number) => changeMembers(ctx, group, method, { groupId: group, nodeId: node }));
  }

  program
    .command('transfer-leader')
    .exitOverride(usageExit)
    .argument('<group>', 'group id', ID)
    .argument('<node>', 'node id of the voter to lead', ID)
    .description('move leadership of a group to a voter')
    .action(async (group: number, node: number) => {
      try {
        const r = await ctx.onLeader<TransferLeaderJson>('transferLeader', { groupId: group, toNodeId: node });
        ctx.out(`group ${group}: leader is node ${r.leaderId}`, r);
      } catch (e) {
        ctx.fail(e);
      }
    });
}
