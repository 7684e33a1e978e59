// `ferryctl members add|promote|remove` and `ferryctl transfer-leader`: one
// configuration change of a group, sent to its leader (following NOT_LEADER).
// The leader refuses changes that would hurt (unknown nodes, a learner not
// caught up, a group left below a quorum of live voters); ferryctl prints why.

import type { Command } from 'commander';
import type { CtlContext, AdminMethod } from './context.js';
import type { MembersJson, TransferLeaderJson } from './output.js';

async function changeMembers(ctx: CtlContext, group: string, method: AdminMethod, req: object): Promise<void> {
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
    .command('add <group> <node> [address]')
    .description('add a node to a group (as a learner unless --voter)')
    .option('--voter', 'add as a voter directly', false)
    .action((group: string, node: string, address: string | undefined, o: { voter: boolean }) =>
      changeMembers(ctx, group, 'addMember', { groupId: Number(group), nodeId: Number(node), address: address ?? '', learner: !o.voter }),
    );
  members
    .command('promote <group> <node>')
    .description('promote a learner to voter')
    .action((group: string, node: string) => changeMembers(ctx, group, 'promoteMember', { groupId: Number(group), nodeId: Number(node) }));
  members
    .command('remove <group> <node>')
    .description('remove a node from a group')
    .action((group: string, node: string) => changeMembers(ctx, group, 'removeMember', { groupId: Number(group), nodeId: Number(node) }));

  program
    .command('transfer-leader <group> <node>')
    .description('move leadership of a group to a voter')
    .action(async (group: string, node: string) => {
      try {
        const r = await ctx.onLeader<TransferLeaderJson>('transferLeader', { groupId: Number(group), toNodeId: Number(node) });
        ctx.out(`group ${group}: leader is node ${r.leaderId}`, r);
      } catch (e) {
        ctx.fail(e);
      }
    });
}
