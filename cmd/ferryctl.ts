#!/usr/bin/env node
// ferryctl: the operator CLI over ferrykv's admin and KV APIs.
import * as grpc from '@grpc/grpc-js';
import { Command, InvalidArgumentError } from 'commander';
import { FerryClient } from '../src/client/client.js';
import { KvError, fromServiceError, invalidArgument } from '../src/kv/errors.js';
import type { AdminClient } from '../src/proto-gen/ferrykv/admin/v1/Admin.js';
import type { NodeStatusResponse__Output } from '../src/proto-gen/ferrykv/admin/v1/NodeStatusResponse.js';
import type { SplitRangeRequest } from '../src/proto-gen/ferrykv/admin/v1/SplitRangeRequest.js';
import type { SplitRangeResponse__Output } from '../src/proto-gen/ferrykv/admin/v1/SplitRangeResponse.js';
import type { ListRoutesRequest } from '../src/proto-gen/ferrykv/v1/ListRoutesRequest.js';
import type { ListRoutesResponse__Output } from '../src/proto-gen/ferrykv/v1/ListRoutesResponse.js';
import type { Route__Output } from '../src/proto-gen/ferrykv/v1/Route.js';
import { CHANNEL_OPTIONS, protos } from '../src/rpc/protos.js';

const EXIT = { ok: 0, usage: 2, notFound: 3, failed: 1, unavailable: 4 };

const program = new Command()
  .name('ferryctl')
  .description('Operate a ferrykv cluster: status, keys, membership, leadership, routes.')
  .option('--endpoints <list>', 'comma-separated host:port of nodes', process.env.FERRYKV_ENDPOINTS ?? '127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003')
  .option('--json', 'machine-readable output', false)
  .option('--timeout-ms <ms>', 'deadline per call', (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer');
    return n;
  }, 10_000)
  .showHelpAfterError();

interface Globals {
  endpoints: string;
  json: boolean;
  timeoutMs: number;
}
const g = (): Globals => program.opts<Globals>();
const endpoints = (): string[] => g().endpoints.split(',').map((s) => s.trim()).filter(Boolean);

function out(human: string, json: unknown): void {
  if (g().json) console.log(JSON.stringify(json, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
  else console.log(human);
}

function fail(e: unknown): never {
  const err = e instanceof KvError ? e : new KvError('INTERNAL', e instanceof Error ? e.message : String(e));
  if (g().json) console.log(JSON.stringify({ error: { code: err.code, message: err.message, ...err.detail } }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
  else console.error(`ferryctl: ${err.code}: ${err.message}`);
  process.exit(err.code === 'INVALID_ARGUMENT' ? EXIT.usage : err.code === 'UNAVAILABLE' || err.code === 'DEADLINE_EXCEEDED' ? EXIT.unavailable : EXIT.failed);
}

async function kv<T>(fn: (c: FerryClient) => Promise<T>): Promise<T> {
  const c = new FerryClient({ endpoints: endpoints(), timeoutMs: g().timeoutMs });
  try {
    return await fn(c);
  } catch (e) {
    fail(e);
  } finally {
    c.close();
  }
}

function admin(endpoint: string): AdminClient {
  return new (protos().admin.ferrykv.admin.v1.Admin)(endpoint, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
}

function adminCall<Req, Res>(endpoint: string, method: Extract<keyof AdminClient, string>, req: Req): Promise<Res> {
  const c = admin(endpoint) as unknown as Record<string, (r: Req, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r?: Res) => void) => void>;
  return new Promise<Res>((resolve, reject) => {
    c[method]!.call(c, req, { deadline: Date.now() + g().timeoutMs }, (err, res) => {
      (c as unknown as AdminClient).close();
      if (err) reject(fromServiceError(err));
      else resolve(res as Res);
    });
  });
}

/** Runs an admin call on the group leader, following NOT_LEADER. */
async function onLeader<Res>(group: number, method: Extract<keyof AdminClient, string>, req: object): Promise<Res> {
  let tried = 0;
  let target = endpoints()[0]!;
  for (;;) {
    try {
      return await adminCall<object, Res>(target, method, req);
    } catch (e) {
      if (!(e instanceof KvError) || tried++ > endpoints().length + 2) throw e;
      if (e.code === 'NOT_LEADER' && e.detail.leaderAddress) target = e.detail.leaderAddress;
      else if (e.code === 'NOT_LEADER' || e.code === 'UNAVAILABLE') target = endpoints()[tried % endpoints().length]!;
      else throw e;
    }
  }
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

program
  .command('status')
  .description('nodes, groups, leaders, terms, applied index and lag, and each node\'s route cache, as tables')
  .action(async () => {
    const rows: NodeStatusResponse__Output[] = [];
    const down: string[] = [];
    for (const e of endpoints()) {
      try {
        rows.push(await adminCall<object, NodeStatusResponse__Output>(e, 'nodeStatus', {}));
      } catch {
        down.push(e);
      }
    }
    if (rows.length === 0) fail(new KvError('UNAVAILABLE', `no node answered at ${endpoints().join(', ')}`));
    const lines = [`${pad('NODE', 6)}${pad('ADDRESS', 22)}${pad('GROUP', 7)}${pad('ROLE', 14)}${pad('LEADER', 8)}${pad('TERM', 7)}${pad('COMMIT', 10)}${pad('APPLIED', 10)}LAG`];
    for (const n of rows) {
      for (const gs of n.groups) {
        const lag = Number(gs.commit) - Number(gs.applied);
        lines.push(`${pad(String(n.nodeId), 6)}${pad(n.address, 22)}${pad(String(gs.groupId), 7)}${pad(gs.role, 14)}${pad(String(gs.leaderId || '-'), 8)}${pad(gs.term, 7)}${pad(gs.commit, 10)}${pad(gs.applied, 10)}${lag}`);
      }
    }
    lines.push('', `${pad('NODE', 6)}${pad('ROUTE CACHE', 13)}${pad('WATCH', 8)}STALE-ROUTE RETRIES`);
    for (const n of rows) lines.push(`${pad(String(n.nodeId), 6)}${pad(`v${n.routeCacheVersion}`, 13)}${pad(n.routeWatchOpen ? 'open' : 'down', 8)}${n.staleRouteRetries}`);
    for (const d of down) lines.push(`(no answer from ${d})`);
    out(lines.join('\n'), { nodes: rows, unreachable: down });
    process.exit(down.length > 0 ? EXIT.unavailable : EXIT.ok);
  });

program
  .command('get <key>')
  .description('read a key (linearizable)')
  .action(async (key: string) => {
    const v = await kv((c) => c.get(key));
    if (!v) {
      out(`(not found)`, { key, found: false });
      process.exit(EXIT.notFound);
    }
    out(Buffer.from(v.value).toString('utf8'), { key, found: true, value: Buffer.from(v.value).toString('utf8'), versionTs: v.versionTs });
  });

program
  .command('put <key> <value>')
  .description('write a key')
  .action(async (key: string, value: string) => {
    const ts = await kv((c) => c.put(key, value));
    out(`OK (commit ts ${ts})`, { key, commitTs: ts });
  });

program
  .command('del <key>')
  .description('delete a key')
  .action(async (key: string) => {
    const ts = await kv((c) => c.delete(key));
    out(`OK (commit ts ${ts})`, { key, commitTs: ts });
  });

program
  .command('scan [start] [end]')
  .description('list keys in [start, end) (end omitted: to the end)')
  .option('--limit <n>', 'rows to print', (v) => Number(v), 100)
  .option('--reverse', 'descending order', false)
  .action(async (start: string | undefined, end: string | undefined, o: { limit: number; reverse: boolean }) => {
    const rows = await kv(async (c) => {
      const acc: { key: string; value: string; versionTs: bigint }[] = [];
      for await (const r of c.scan({ ...(start ? { start } : {}), ...(end ? { end } : {}), limit: o.limit, reverse: o.reverse })) {
        acc.push({ key: Buffer.from(r.key).toString('utf8'), value: Buffer.from(r.value).toString('utf8'), versionTs: r.versionTs });
      }
      return acc;
    });
    out(rows.map((r) => `${r.key}\t${r.value}`).join('\n') || '(no keys)', { rows });
  });

const members = program.command('members').description('change the members of a group');
members
  .command('add <group> <node> [address]')
  .description('add a node to a group (as a learner unless --voter)')
  .option('--voter', 'add as a voter directly', false)
  .action(async (group: string, node: string, address: string | undefined, o: { voter: boolean }) => {
    try {
      const r = await onLeader<{ voters: number[]; learners: number[] }>(Number(group), 'addMember', { groupId: Number(group), nodeId: Number(node), address: address ?? '', learner: !o.voter });
      out(`group ${group}: voters ${r.voters.join(',')} learners ${r.learners.join(',') || '-'}`, r);
    } catch (e) {
      fail(e);
    }
  });
members
  .command('promote <group> <node>')
  .description('promote a learner to voter')
  .action(async (group: string, node: string) => {
    try {
      const r = await onLeader<{ voters: number[]; learners: number[] }>(Number(group), 'promoteMember', { groupId: Number(group), nodeId: Number(node) });
      out(`group ${group}: voters ${r.voters.join(',')} learners ${r.learners.join(',') || '-'}`, r);
    } catch (e) {
      fail(e);
    }
  });
members
  .command('remove <group> <node>')
  .description('remove a node from a group')
  .action(async (group: string, node: string) => {
    try {
      const r = await onLeader<{ voters: number[]; learners: number[] }>(Number(group), 'removeMember', { groupId: Number(group), nodeId: Number(node) });
      out(`group ${group}: voters ${r.voters.join(',')} learners ${r.learners.join(',') || '-'}`, r);
    } catch (e) {
      fail(e);
    }
  });

program
  .command('transfer-leader <group> <node>')
  .description('move leadership of a group to a voter')
  .action(async (group: string, node: string) => {
    try {
      const r = await onLeader<{ leaderId: number }>(Number(group), 'transferLeader', { groupId: Number(group), toNodeId: Number(node) });
      out(`group ${group}: leader is node ${r.leaderId}`, r);
    } catch (e) {
      fail(e);
    }
  });

// ---- routes: the route catalog (ranges [start, end) → Raft group).

/**
 * A key for display: bytes 0x21-0x7e as-is, except `\` (printed `\\`) and `"`
 * (printed `\x22`); every other byte as `\xNN`. Reversible, with no spaces.
 */
function showKey(b: Uint8Array): string {
  let s = '';
  for (const c of b) {
    if (c === 0x5c) s += '\\\\';
    else if (c > 0x20 && c < 0x7f && c !== 0x22) s += String.fromCharCode(c);
    else s += `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return s;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

interface RouteJson {
  routeId: string;
  start: string;
  startHex: string;
  end: string;
  endHex: string;
  groupId: number;
  leader?: number | null;
  state: string;
  version: string;
}

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

const showStart = (b: Uint8Array): string => (b.length === 0 ? '""' : showKey(b));
const showEnd = (b: Uint8Array): string => (b.length === 0 ? '+inf' : showKey(b));

/** Usage errors of the routes commands exit with the usage code (commander's own exit 1 otherwise). */
function usageExit(err: { exitCode: number }): never {
  process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage);
}

/**
 * An admin call on the first endpoint that answers: UNAVAILABLE,
 * DEADLINE_EXCEEDED and NOT_LEADER move on to the next endpoint; any other
 * error is final. Only for calls that are safe to repeat.
 */
async function anyNode<Req, Res>(targets: readonly string[], method: Extract<keyof AdminClient, string>, req: Req): Promise<Res> {
  let last: KvError | undefined;
  for (const t of targets) {
    try {
      return await adminCall<Req, Res>(t, method, req);
    } catch (e) {
      if (!(e instanceof KvError) || !['UNAVAILABLE', 'DEADLINE_EXCEEDED', 'NOT_LEADER'].includes(e.code)) throw e;
      last = new KvError(e.code, `${t}: ${e.message}`, e.detail);
    }
  }
  throw last ?? new KvError('UNAVAILABLE', 'no endpoints given');
}

const KEY_HELP = `
Keys are bytes. They are printed with bytes 0x21-0x7e as-is, except \\ (printed \\\\)
and " (printed \\x22); any other byte (space, control, non-ASCII) as \\xNN.
An empty START is the beginning of the key space, printed ""; an empty END is
+infinity, printed +inf.`;

const routes = program.command('routes').description('show the route catalog (which group serves which key range), split a range');

routes
  .command('list')
  .description('list the route catalog: one row per range [START, END) with its group, that group\'s leader, state and version')
  .option('--local', "answer from the node's own applied copy of the catalog (no leader round trip, may lag: to compare nodes; the node needs a default-group replica)", false)
  .option('--node <host:port>', 'ask only this node (default: the first of --endpoints that answers)')
  .addHelpText(
    'after',
    `
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
skipped for the next endpoint. Exit codes: 0 ok, 2 usage, 4 no node answered, 1 other errors.`,
  )
  .exitOverride(usageExit)
  .action(async (o: { local: boolean; node?: string }) => {
    const targets = o.node !== undefined ? [o.node] : endpoints();
    let res: ListRoutesResponse__Output;
    try {
      res = await anyNode<ListRoutesRequest, ListRoutesResponse__Output>(targets, 'listRoutes', { local: o.local });
    } catch (e) {
      fail(e);
    }
    const leaders = new Map(res.leaders.map((l) => [l.groupId, l.nodeId] as const));
    const leaderOf = (gid: number): number | null => leaders.get(gid) || null;
    const head = ['ROUTE', 'START', 'END', 'GROUP', 'LEADER', 'STATE', 'VERSION'];
    const rows = res.routes.map((r) => [r.routeId, showStart(r.start), showEnd(r.end), String(r.groupId), String(leaderOf(r.groupId) ?? '-'), r.state, r.version]);
    const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)) + 2);
    const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : pad(c, width[i]!))).join('');
    const human = [
      `catalog version ${res.version}, ${res.routes.length} route${res.routes.length === 1 ? '' : 's'} (node ${res.nodeId}, ${o.local ? 'local copy' : 'linearizable'})`,
      line(head),
      ...rows.map(line),
    ].join('\n');
    out(human, { version: res.version, nodeId: res.nodeId, local: o.local, routes: res.routes.map((r) => routeJson(r, leaderOf(r.groupId))) });
  });

routes
  .command('split <key>')
  .description('split the range containing <key> at <key> (in the same group); idempotent')
  .option('--hex', '<key> is hex bytes (e.g. 00ff61) instead of UTF-8 text', false)
  .addHelpText(
    'after',
    `
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
too long), 4 no node answered, 1 other errors.`,
  )
  .exitOverride(usageExit)
  .action(async (keyArg: string, o: { hex: boolean }) => {
    let key: Buffer;
    if (o.hex) {
      if (!/^([0-9a-fA-F]{2})*$/.test(keyArg)) fail(invalidArgument('key', `"${keyArg}" is not hex (an even number of digits 0-9, a-f)`));
      key = Buffer.from(keyArg, 'hex');
    } else {
      key = Buffer.from(keyArg, 'utf8');
    }
    if (key.length === 0) fail(invalidArgument('key', 'must not be empty (the key space already starts at "")'));
    let res: SplitRangeResponse__Output;
    try {
      res = await anyNode<SplitRangeRequest, SplitRangeResponse__Output>(endpoints(), 'splitRange', { splitKey: key });
    } catch (e) {
      fail(e);
    }
    const show = (r: Route__Output | null): string =>
      r ? `route ${r.routeId}  [${showStart(r.start)}, ${showEnd(r.end)})  group ${r.groupId}  ${r.state}  version ${r.version}` : '(not reported)';
    const human = [
      res.alreadySplit
        ? `already split at ${showKey(key)}: nothing changed, catalog version ${res.version}`
        : `split at ${showKey(key)}: catalog version ${res.version}`,
      `  left:  ${show(res.left)}`,
      `  right: ${show(res.right)}`,
    ].join('\n');
    out(human, {
      splitKey: showKey(key),
      splitKeyHex: hex(key),
      version: res.version,
      alreadySplit: res.alreadySplit,
      left: res.left ? routeJson(res.left) : null,
      right: res.right ? routeJson(res.right) : null,
    });
  });

await program.parseAsync();
