// `ferryctl status`: each endpoint's NodeStatus as two tables (the groups it
// holds a replica of; its route cache). Exits 4 when some endpoint did not
// answer, after printing what the others said.

import type { Command } from 'commander';
import { KvError } from '../../src/api/errors.js';
import type { NodeStatusResponse__Output } from '../../src/proto-gen/ferrykv/admin/v1/NodeStatusResponse.js';
import { EXIT, type CtlContext } from './context.js';
import { pad } from './format.js';
import type { StatusJson } from './output.js';

function statusText(json: StatusJson): string {
  const lines = [`${pad('NODE', 6)}${pad('ADDRESS', 22)}${pad('GROUP', 7)}${pad('ROLE', 14)}${pad('LEADER', 8)}${pad('TERM', 7)}${pad('COMMIT', 10)}${pad('APPLIED', 10)}LAG`];
  for (const n of json.nodes) {
    for (const gs of n.groups) {
      const lag = Number(gs.commit) - Number(gs.applied);
      lines.push(`${pad(String(n.nodeId), 6)}${pad(n.address, 22)}${pad(String(gs.groupId), 7)}${pad(gs.role, 14)}${pad(String(gs.leaderId || '-'), 8)}${pad(gs.term, 7)}${pad(gs.commit, 10)}${pad(gs.applied, 10)}${lag}`);
    }
  }
  lines.push('', `${pad('NODE', 6)}${pad('ROUTE CACHE', 13)}${pad('WATCH', 8)}STALE-ROUTE RETRIES`);
  for (const n of json.nodes) lines.push(`${pad(String(n.nodeId), 6)}${pad(`v${n.routeCacheVersion}`, 13)}${pad(n.routeWatchOpen ? 'open' : 'down', 8)}${n.staleRouteRetries}`);
  for (const d of json.unreachable) lines.push(`(no answer from ${d})`);
  return lines.join('\n');
}

export function registerStatusCommand(program: Command, ctx: CtlContext): void {
  program
    .command('status')
    .description('nodes, groups, leaders, terms, applied index and lag, and each node\'s route cache, as tables')
    .action(async () => {
      const json: StatusJson = { nodes: [], unreachable: [] };
      for (const e of ctx.endpoints()) {
        try {
          json.nodes.push(await ctx.adminCall<object, NodeStatusResponse__Output>(e, 'nodeStatus', {}));
        } catch {
          json.unreachable.push(e);
        }
      }
      if (json.nodes.length === 0) ctx.fail(new KvError('UNAVAILABLE', `no node answered at ${ctx.endpoints().join(', ')}`));
      ctx.out(statusText(json), json);
      process.exit(json.unreachable.length > 0 ? EXIT.unavailable : EXIT.ok);
    });
}
