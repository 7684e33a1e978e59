// `ferryctl routes list|split`: the route catalog (ranges [start, end) → Raft
// group). Both calls are safe to repeat, so they go to the first endpoint that
// answers; a split the catalog already has is a success ("already split").

import type { Command } from 'commander';
import { invalidArgument } from '../../src/api/errors.js';
import type { SplitRangeRequest } from '../../src/proto-gen/ferrykv/admin/v1/SplitRangeRequest.js';
import type { SplitRangeResponse__Output } from '../../src/proto-gen/ferrykv/admin/v1/SplitRangeResponse.js';
import type { ListRoutesRequest } from '../../src/proto-gen/ferrykv/v1/ListRoutesRequest.js';
import type { ListRoutesResponse__Output } from '../../src/proto-gen/ferrykv/v1/ListRoutesResponse.js';
import type { Route__Output } from '../../src/proto-gen/ferrykv/v1/Route.js';
import { usageExit, type CtlContext } from './context.js';
import { KEY_HELP, hex, showEnd, showKey, showStart, table } from './format.js';
import type { RouteJson, RoutesListJson, RoutesSplitJson } from './output.js';

const LIST_HELP = `
Output: a header "catalog version V, N routes (node X, linearizable|local copy)",
then columns ROUTE, START, END, GROUP, LEADER, STATE, VERSION. LEADER is the
group's leader as the answering node last saw it; "-" if it does not know.
${KEY_HELP}

--json: {"version", "nodeId", "local", "routes": [{"routeId", "start", "startHex",
"end", "endHex", "groupId", "leader", "state", "version"}]}; "start"/"end" use the
escaping above ("" = beginning / +infinity), "startHex"/"endHex" are the raw
bytes in hex, "leader" is a node id or null; uint64 values (routeId, version)
are decimal strings.

Without --node, a node answering UNAVAILABLE, DEADLINE_EXCEEDED or NOT_LEADER is
skipped for the next endpoint. Exit codes: 0 ok, 2 usage, 4 no node answered, 1 other errors.`;

const SPLIT_HELP = `
<key> becomes the start of a new route: the range [start, end) containing it
becomes [start, key) and [key, end), both in the range's group. Prints the two
routes and the catalog version after the split. If a route already starts at
<key>, nothing changes: it says "already split" and exits 0 (the request may
go to any node, which forwards it to the default group's leader; it is retried
on the next endpoint after UNAVAILABLE, DEADLINE_EXCEEDED or NOT_LEADER).
${KEY_HELP}

--json: {"splitKey", "splitKeyHex", "version", "alreadySplit", "left", "right"}, the
routes as in \`routes list --json\` (without "leader").

Exit codes: 0 ok (also when already split), 2 usage (empty key, bad hex, key
too long), 4 no node answered, 1 other errors.`;

function routeJson(r: Route__Output, leader?: number | null): RouteJson {
  return {
    routeId: r.routeId,
    start: showKey(r.start),
    startHex: hex(r.start),
    end: showKey(r.end),
    endHex: hex(r.end),
    groupId: r.groupId,
    ...(leader !== undefined ? { leader } : {}),
    state: r.state,
    version: r.version,
  };
}

function listText(res: ListRoutesResponse__Output, local: boolean, leaderOf: (gid: number) => number | null): string {
  const head = ['ROUTE', 'START', 'END', 'GROUP', 'LEADER', 'STATE', 'VERSION'];
  const rows = res.routes.map((r) => [r.routeId, showStart(r.start), showEnd(r.end), String(r.groupId), String(leaderOf(r.groupId) ?? '-'), r.state, r.version]);
  const n = res.routes.length;
  return [`catalog version ${res.version}, ${n} route${n === 1 ? '' : 's'} (node ${res.nodeId}, ${local ? 'local copy' : 'linearizable'})`, ...table(head, rows)].join('\n');
}

function splitText(key: Buffer, res: SplitRangeResponse__Output): string {
  const show = (r: Route__Output | null): string =>
    r ? `route ${r.routeId}  [${showStart(r.start)}, ${showEnd(r.end)})  group ${r.groupId}  ${r.state}  version ${r.version}` : '(not reported)';
  return [
    res.alreadySplit ? `already split at ${showKey(key)}: nothing changed, catalog version ${res.version}` : `split at ${showKey(key)}: catalog version ${res.version}`,
    `  left:  ${show(res.left)}`,
    `  right: ${show(res.right)}`,
  ].join('\n');
}

function registerList(routes: Command, ctx: CtlContext): void {
  routes
    .command('list')
    .description('list the route catalog: one row per range [START, END) with its group, that group\'s leader, state and version')
    .option('--local', "answer from the node's own applied copy of the catalog (no leader round trip, may lag: to compare nodes; the node needs a default-group replica)", false)
    .option('--node <host:port>', 'ask only this node (default: the first of --endpoints that answers)')
    .addHelpText('after', LIST_HELP)
    .exitOverride(usageExit)
    .action(async (o: { local: boolean; node?: string }) => {
      const targets = o.node !== undefined ? [o.node] : ctx.endpoints();
      let res: ListRoutesResponse__Output;
      try {
        res = await ctx.anyNode<ListRoutesRequest, ListRoutesResponse__Output>(targets, 'listRoutes', { local: o.local });
      } catch (e) {
        ctx.fail(e);
      }
      const leaders = new Map(res.leaders.map((l) => [l.groupId, l.nodeId] as const));
      const leaderOf = (gid: number): number | null => leaders.get(gid) || null;
      const json: RoutesListJson = { version: res.version, nodeId: res.nodeId, local: o.local, routes: res.routes.map((r) => routeJson(r, leaderOf(r.groupId))) };
      ctx.out(listText(res, o.local, leaderOf), json);
    });
}

function registerSplit(routes: Command, ctx: CtlContext): void {
  routes
    .command('split <key>')
    .description('split the range containing <key> at <key> (in the same group); idempotent')
    .option('--hex', '<key> is hex bytes (e.g. 00ff61) instead of UTF-8 text', false)
    .addHelpText('after', SPLIT_HELP)
    .exitOverride(usageExit)
    .action(async (keyArg: string, o: { hex: boolean }) => {
      const key = ctx.keyArg('key', keyArg, o.hex);
      if (key.length === 0) ctx.fail(invalidArgument('key', 'must not be empty (the key space already starts at "")'));
      let res: SplitRangeResponse__Output;
      try {
        res = await ctx.anyNode<SplitRangeRequest, SplitRangeResponse__Output>(ctx.endpoints(), 'splitRange', { splitKey: key });
      } catch (e) {
        ctx.fail(e);
      }
      const json: RoutesSplitJson = {
        splitKey: showKey(key),
        splitKeyHex: hex(key),
        version: res.version,
        alreadySplit: res.alreadySplit,
        left: res.left ? routeJson(res.left) : null,
        right: res.right ? routeJson(res.right) : null,
      };
      ctx.out(splitText(key, res), json);
    });
}

export function registerRoutesCommands(program: Command, ctx: CtlContext): void {
  const routes = program.command('routes').description('show the route catalog (which group serves which key range), split a range');
  registerList(routes, ctx);
  registerSplit(routes, ctx);
}
