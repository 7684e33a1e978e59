#!/usr/bin/env node
// ferryctl: the operator CLI over ferrykv's admin and KV APIs.
import * as grpc from '@grpc/grpc-js';
import cliProgress from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import { FerryClient } from '../src/client/client.js';
import { KvError, fromServiceError, invalidArgument } from '../src/api/errors.js';
import { DEFAULT_OPTIONS, OPTION_BOUNDS, PHASES, TERMINAL, type Phase } from '../src/migration/job.js';
import type { AdminClient } from '../src/proto-gen/ferrykv/admin/v1/Admin.js';
import type { JobOptions } from '../src/proto-gen/ferrykv/admin/v1/JobOptions.js';
import type { ListSplitJobsResponse__Output } from '../src/proto-gen/ferrykv/admin/v1/ListSplitJobsResponse.js';
import type { NodeStatusResponse__Output } from '../src/proto-gen/ferrykv/admin/v1/NodeStatusResponse.js';
import type { SplitRangeRequest } from '../src/proto-gen/ferrykv/admin/v1/SplitRangeRequest.js';
import type { SplitJob__Output } from '../src/proto-gen/ferrykv/admin/v1/SplitJob.js';
import type { SplitRangeResponse__Output } from '../src/proto-gen/ferrykv/admin/v1/SplitRangeResponse.js';
import type { StartSplitMigrationRequest } from '../src/proto-gen/ferrykv/admin/v1/StartSplitMigrationRequest.js';
import type { VerifyRangeRequest } from '../src/proto-gen/ferrykv/admin/v1/VerifyRangeRequest.js';
import type { VerifyRangeResponse__Output } from '../src/proto-gen/ferrykv/admin/v1/VerifyRangeResponse.js';
import type { ListRoutesRequest } from '../src/proto-gen/ferrykv/v1/ListRoutesRequest.js';
import type { ListRoutesResponse__Output } from '../src/proto-gen/ferrykv/v1/ListRoutesResponse.js';
import type { Route__Output } from '../src/proto-gen/ferrykv/v1/Route.js';
import { CHANNEL_OPTIONS, protos } from '../src/api/protos.js';

const EXIT = { ok: 0, usage: 2, notFound: 3, failed: 1, unavailable: 4 };

const program = new Command()
  .name('ferryctl')
  .description('Operate a ferrykv cluster: status, keys, membership, leadership, routes, migration jobs, replica verification.')
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

function fail(e: unknown, exitCode?: number): never {
  const err = e instanceof KvError ? e : new KvError('INTERNAL', e instanceof Error ? e.message : String(e));
  if (g().json) console.log(JSON.stringify({ error: { code: err.code, message: err.message, ...err.detail } }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
  else console.error(`ferryctl: ${err.code}: ${err.message}`);
  process.exit(exitCode ?? (err.code === 'INVALID_ARGUMENT' ? EXIT.usage : err.code === 'UNAVAILABLE' || err.code === 'DEADLINE_EXCEEDED' ? EXIT.unavailable : EXIT.failed));
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

function adminCall<Req, Res>(endpoint: string, method: Extract<keyof AdminClient, string>, req: Req, timeoutMs = g().timeoutMs): Promise<Res> {
  const c = admin(endpoint) as unknown as Record<string, (r: Req, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r?: Res) => void) => void>;
  return new Promise<Res>((resolve, reject) => {
    c[method]!.call(c, req, { deadline: Date.now() + timeoutMs }, (err, res) => {
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

// ---- job: migration jobs (move a route, live, to another group).

/** The phases of a job that moves forward, in order (VERIFY is skipped with --skip-verify). */
const PIPELINE: readonly Phase[] = ['CLEAR_TARGET', 'CAPTURE', 'BACKFILL', 'CATCHUP', 'FENCE', 'FINAL_DELTA', 'CUTOVER', 'VERIFY', 'CLEANUP', 'DONE'];
const isTerminal = (phase: string): boolean => TERMINAL.has(phase as Phase);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The default group's leader as last found: job RPCs are served there. */
let jobLeader: string | undefined;

/** Errors about reaching a node name the endpoint; answers from the leader do not. */
const tagged = (e: KvError, target: string): KvError =>
  ['UNAVAILABLE', 'DEADLINE_EXCEEDED', 'NOT_LEADER'].includes(e.code) ? new KvError(e.code, `${target}: ${e.message}`, e.detail) : e;

/**
 * A job RPC on the default group's leader. NOT_LEADER with the leader's
 * address is followed; NOT_LEADER without one, UNAVAILABLE (also from a
 * hinted leader that does not answer) and, when `idempotent`, DEADLINE_EXCEEDED
 * move on to the next endpoint in turn, until --timeout-ms has passed. Any
 * other error is final.
 */
async function jobCall<Req, Res>(method: Extract<keyof AdminClient, string>, req: Req, idempotent = true): Promise<Res> {
  const eps = endpoints();
  if (eps.length === 0) fail(invalidArgument('endpoints', 'no endpoints given'));
  const until = Date.now() + g().timeoutMs;
  let target = jobLeader ?? eps[0]!;
  let rot = target === eps[0] ? 1 : 0;
  let hops = 0;
  for (;;) {
    try {
      const res = await adminCall<Req, Res>(target, method, req, Math.max(1000, until - Date.now()));
      jobLeader = target;
      return res;
    } catch (e) {
      if (!(e instanceof KvError)) throw e;
      const again = e.code === 'NOT_LEADER' || e.code === 'UNAVAILABLE' || (idempotent && e.code === 'DEADLINE_EXCEEDED');
      if (!again || Date.now() >= until) throw tagged(e, target);
      const hint = e.code === 'NOT_LEADER' ? e.detail.leaderAddress : undefined;
      if (hint && hint !== target && hops < 3) {
        hops++;
        target = hint;
        continue;
      }
      hops = 0;
      await sleep(Math.min(Math.max(e.detail.retryAfterMs ?? 100, 50), 1000));
      target = eps[rot++ % eps.length]!;
    }
  }
}

/** A job id argument: a positive decimal integer (as `job list` prints it). */
function jobIdArg(v: string): string {
  if (!/^[0-9]{1,20}$/.test(v) || BigInt(v) === 0n || BigInt(v) >= 1n << 64n) {
    fail(invalidArgument('job id', `"${v}" is not a job id (a positive integer, as \`ferryctl job list\` prints)`));
  }
  return BigInt(v).toString();
}

/** A job that does not exist (never created, or dropped from the history) exits 3; other errors as `fail`. */
function failJob(e: unknown): never {
  if (e instanceof KvError && e.code === 'INVALID_ARGUMENT' && e.detail.field === 'job_id' && e.detail.reason === undefined && /does not exist/.test(e.message)) fail(e, EXIT.notFound);
  fail(e);
}

function uintOption(min: number, max: number): (v: string) => number {
  return (v) => {
    if (!/^[0-9]+$/.test(v)) throw new InvalidArgumentError('must be a non-negative integer');
    const n = Number(v);
    if (n < min || n > max) throw new InvalidArgumentError(`must be in [${min}, ${max}]`);
    return n;
  };
}
const boundOption = (k: keyof typeof OPTION_BOUNDS): ((v: string) => number) => uintOption(...OPTION_BOUNDS[k]);

function fmtBytes(v: string | number): string {
  let n = Number(v);
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${n.toFixed(n >= 100 ? 0 : 1)} ${units[i]}`;
}

function fmtAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const two = (n: number): string => String(n).padStart(2, '0');
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${two(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${two(Math.floor(s / 60) % 60)}m`;
  return `${Math.floor(s / 86_400)}d${Math.floor(s / 3600) % 24}h`;
}

const ZERO_PROGRESS = {
  backfillRows: '0',
  backfillBytes: '0',
  replayedRows: '0',
  replayedBytes: '0',
  rateBytesPerSec: '0',
  changeLogBacklog: '0',
  fenceWindowsMs: [] as string[],
  phaseStartedAtMs: '0',
  estimatedBytes: '0',
  etaMs: '-1',
  lastProgressAtMs: '0',
};
const progressOf = (j: SplitJob__Output): typeof ZERO_PROGRESS => j.progress ?? ZERO_PROGRESS;
const rangeOf = (j: SplitJob__Output): string => `[${showStart(j.start)}, ${showEnd(j.end)})`;

function jobJson(j: SplitJob__Output): Record<string, unknown> {
  return {
    jobId: j.jobId,
    attempt: j.attempt,
    routeId: j.routeId,
    sourceGroup: j.sourceGroup,
    targetGroup: j.targetGroup,
    start: showKey(j.start),
    startHex: hex(j.start),
    end: showKey(j.end),
    endHex: hex(j.end),
    phase: j.phase,
    createdAtMs: j.createdAtMs,
    updatedAtMs: j.updatedAtMs,
    options: j.options,
    progress: j.progress,
    fenceAttempts: j.fenceAttempts,
    lastError: j.lastError,
    abandonRequested: j.abandonRequested,
    verifyResult: j.verifyResult,
    releaseTs: j.releaseTs,
    floor: j.floor,
    owner: j.owner,
    version: j.version,
    stalled: j.stalled,
    stallReason: j.stallReason,
  };
}

/** The time of day of a millisecond timestamp, UTC (e.g. 14:03:07Z). */
const timeOfDay = (ms: number): string => `${new Date(ms).toISOString().slice(11, 19)}Z`;

/**
 * The ETA the server gave (computed from the progress recorded at
 * lastProgressAtMs), counted down to `now`; undefined when unknown or stalled.
 */
function etaLeft(j: SplitJob__Output, now: number, receivedAt = now): number | undefined {
  const p = progressOf(j);
  const eta = Number(p.etaMs);
  if (!Number.isFinite(eta) || eta < 0 || j.stalled) return undefined;
  const since = p.lastProgressAtMs !== '0' ? Number(p.lastProgressAtMs) : receivedAt;
  return Math.max(0, eta - Math.max(0, now - since));
}

/** The size line of `job get`: the range's estimated size and how much of it is copied. */
function estimateText(j: SplitJob__Output): string {
  const p = progressOf(j);
  const est = Number(p.estimatedBytes);
  if (!(est > 0)) return 'unknown (the source gave no size estimate yet)';
  const pct = Math.min(100, Math.floor((Number(p.backfillBytes) / est) * 100));
  return `${fmtBytes(est)} in the range (the source's estimate, raised as the copy passes it); ${pct}% copied`;
}

function jobSummary(j: SplitJob__Output, now = Date.now()): string {
  const p = progressOf(j);
  const o = j.options;
  const windows = p.fenceWindowsMs.map((w) => `${w} ms`).join(', ');
  const inPhase = isTerminal(j.phase) || p.phaseStartedAtMs === '0' ? '' : ` for ${fmtAge(now - Number(p.phaseStartedAtMs))}`;
  const verify = j.verifyResult || (o?.skipVerify ? '(skipped: started with --skip-verify)' : '(not yet)');
  return [
    `job ${j.jobId}: route ${j.routeId} ${rangeOf(j)}, group ${j.sourceGroup} → group ${j.targetGroup}`,
    `  phase      ${j.phase}${inPhase}${j.abandonRequested && !isTerminal(j.phase) ? ' (abandon requested)' : ''}${j.stalled && !isTerminal(j.phase) ? ' STALLED' : ''}`,
    `  attempt    ${j.attempt}${o ? ` of at most ${o.maxAttempts}` : ''}; fences lifted before cutover in this attempt: ${j.fenceAttempts}${o ? ` (it retreats at ${o.maxFenceAttempts})` : ''}`,
    `  copied     ${p.backfillRows} rows, ${fmtBytes(p.backfillBytes)} (backfill)`,
    `  estimate   ${estimateText(j)}`,
    `  replayed   ${p.replayedRows} rows, ${fmtBytes(p.replayedBytes)} (change log)`,
    `  backlog    ${p.changeLogBacklog} change-log rows not yet replayed (as last seen)`,
    `  rate       ${fmtBytes(p.rateBytesPerSec)}/s (last progress interval)`,
    `  eta        ${etaLine(j, now)}`,
    `  stalled    ${j.stalled && !isTerminal(j.phase) ? `YES: ${j.stallReason || '(no reason given)'}` : 'no'}${p.lastProgressAtMs !== '0' ? `; last progress ${fmtAge(now - Number(p.lastProgressAtMs))} ago (${new Date(Number(p.lastProgressAtMs)).toISOString()})` : ''}`,
    `  fence      ${windows ? `write-unavailable windows: ${windows}` : 'no cutover yet'}`,
    `  verify     ${verify}`,
    `  last error ${j.lastError || '-'}`,
    `  age        created ${fmtAge(now - Number(j.createdAtMs))} ago (${new Date(Number(j.createdAtMs)).toISOString()}), updated ${fmtAge(now - Number(j.updatedAtMs))} ago`,
    `  driven by  ${j.owner ? `node ${j.owner}` : '-'}`,
    ...(o
      ? [
          `  options    chunk ${fmtBytes(o.chunkBytes)}, rate limit ${o.rateLimitBytesPerSec === '0' ? 'none' : `${fmtBytes(o.rateLimitBytesPerSec)}/s`}, cleanup grace ${o.cleanupGraceMs} ms, fence budget ${o.fenceBudgetMs} ms${o.skipVerify ? ', verify skipped' : ''}`,
        ]
      : []),
    `  version    ${j.version}`,
  ].join('\n');
}

/** The `eta` line of `job get`. */
function etaLine(j: SplitJob__Output, now: number): string {
  if (isTerminal(j.phase)) return '-';
  const left = etaLeft(j, now);
  const what = j.phase === 'BACKFILL' || j.phase === 'CLEAR_TARGET' || j.phase === 'CAPTURE' ? 'to the end of the copy' : 'to the end of the catch-up';
  if (left === undefined) return j.stalled ? 'unknown (stalled)' : 'unknown';
  return `${fmtAge(left)} ${what} (at the last recorded rate)`;
}

/** One progress line of the plain (non-terminal) watch: a UTC time of day leads. */
function progressLine(j: SplitJob__Output, now = Date.now()): string {
  const p = progressOf(j);
  const parts = [
    `copied ${p.backfillRows} rows ${fmtBytes(p.backfillBytes)}`,
    `replayed ${p.replayedRows} rows ${fmtBytes(p.replayedBytes)}`,
    `${fmtBytes(p.rateBytesPerSec)}/s`,
    `backlog ${p.changeLogBacklog}`,
  ];
  if (j.abandonRequested && !isTerminal(j.phase)) parts.push('abandon requested');
  if (j.lastError) parts.push(`last error: ${j.lastError}`);
  return `${new Date(now).toISOString().slice(11, 19)}Z job ${j.jobId} ${j.phase} attempt ${j.attempt}: ${parts.join('; ')}`;
}

function endLine(j: SplitJob__Output): string {
  const p = progressOf(j);
  const took = fmtAge(Number(j.updatedAtMs) - Number(j.createdAtMs));
  if (j.phase === 'DONE') {
    const windows = p.fenceWindowsMs.length ? `, write-unavailable ${p.fenceWindowsMs.map((w) => `${w} ms`).join(', ')}` : '';
    return `job ${j.jobId} DONE: route ${j.routeId} ${rangeOf(j)} moved from group ${j.sourceGroup} to group ${j.targetGroup} in ${took} (verify: ${j.verifyResult || 'skipped'}${windows})`;
  }
  if (j.phase === 'ABANDONED') return `job ${j.jobId} ABANDONED after ${took}: route ${j.routeId} ${rangeOf(j)} stays with group ${j.sourceGroup}${j.lastError ? ` (last error: ${j.lastError})` : ''}`;
  return `job ${j.jobId} FAILED after ${took}: ${j.lastError || 'no error recorded'} (see where the range is: ferryctl routes list)`;
}

/** The end summary of `job watch` (plain text), printed before the line saying how the job ended. */
function endSummary(j: SplitJob__Output): string {
  const p = progressOf(j);
  const o = j.options;
  const created = Number(j.createdAtMs);
  const ended = Number(j.updatedAtMs);
  const windows = p.fenceWindowsMs.length ? `${p.fenceWindowsMs.map((w) => `${w} ms`).join(', ')} write-unavailable (fence → adopt)` : 'none (no cutover)';
  const verify = j.verifyResult || (o?.skipVerify ? 'skipped (--skip-verify)' : 'not run');
  return [
    `job ${j.jobId} summary:`,
    `  outcome    ${j.phase}`,
    `  duration   ${fmtAge(ended - created)} (created ${timeOfDay(created)}, ended ${timeOfDay(ended)})`,
    `  copied     ${p.backfillRows} rows, ${fmtBytes(p.backfillBytes)}`,
    `  replayed   ${p.replayedRows} rows, ${fmtBytes(p.replayedBytes)} (change log)`,
    `  fence      ${windows}`,
    `  attempts   ${j.attempt}${o ? ` of at most ${o.maxAttempts}` : ''}`,
    `  verify     ${verify}`,
    ...(j.lastError ? [`  last error ${j.lastError}`] : []),
  ].join('\n');
}

/** A phase's duration: tenths of a second below 10 s (phases are often that short), else as fmtAge. */
const fmtDur = (ms: number): string => (ms < 10_000 ? `${(Math.max(0, ms) / 1000).toFixed(1)}s` : fmtAge(ms));

/** What the terminal watch shows of one phase (one bar). */
interface PhaseView {
  phase: string;
  attempt: number;
  /** When the phase began (the server's phaseStartedAtMs; else when first seen). */
  startedAt: number;
  /** When the job left the phase; unset while it is in it. */
  endedAt?: number;
  /** The latest version in the phase; once it ended, the first version after it (the phase's final numbers). */
  job: SplitJob__Output;
  receivedAt: number;
  /** Replayed rows when the phase was first seen (CATCHUP/FINAL_DELTA bars count from here). */
  replayedBase: number;
}

/** The bar's value and total: bytes copied of the estimate (BACKFILL), rows replayed of replayed + backlog (CATCHUP, FINAL_DELTA). */
function barValue(v: PhaseView): { value: number; total: number } {
  const p = progressOf(v.job);
  if (v.phase === 'BACKFILL') {
    const copied = Number(p.backfillBytes);
    const est = Number(p.estimatedBytes);
    return { value: copied, total: est > 0 ? Math.max(est, copied) : 0 };
  }
  if (v.phase === 'CATCHUP' || v.phase === 'FINAL_DELTA') {
    const replayed = Math.max(0, Number(p.replayedRows) - v.replayedBase);
    return { value: replayed, total: replayed + Number(p.changeLogBacklog) };
  }
  return { value: 0, total: 0 };
}

/** One frame of a phase's line; `bar` and `progress` come from cli-progress. */
function phaseFrame(v: PhaseView, bar: string, progress: number, now: number): string {
  const j = v.job;
  const p = progressOf(j);
  const i = PIPELINE.indexOf(v.phase as Phase);
  const step = i < 0 ? '     ' : `${String(i + 1).padStart(2)}/${PIPELINE.length}`;
  const ended = v.endedAt !== undefined;
  const took = ended ? fmtDur(v.endedAt! - v.startedAt) : fmtAge(now - v.startedAt);
  const pct = `${String(Math.floor(progress * 100)).padStart(3)}%`;
  const eta = (): string => {
    const left = etaLeft(j, now, v.receivedAt);
    return `ETA ${left === undefined ? '?' : fmtAge(left)}`;
  };
  let head = '';
  const parts: string[] = [];
  if (v.phase === 'BACKFILL') {
    const est = Number(p.estimatedBytes);
    if (est > 0) head = `[${bar}] ${pct} `;
    parts.push(`${fmtBytes(p.backfillBytes)}${est > 0 ? ` of ${fmtBytes(Math.max(est, Number(p.backfillBytes)))}` : ' (size unknown)'}, ${p.backfillRows} rows`);
    if (ended) {
      const secs = Math.max(1, v.endedAt! - v.startedAt) / 1000;
      parts.push(`${fmtBytes(Math.round(Number(p.backfillBytes) / secs))}/s average`, `done in ${took}`);
    } else parts.push(`${fmtBytes(p.rateBytesPerSec)}/s`, eta(), took);
  } else if (v.phase === 'CATCHUP' || v.phase === 'FINAL_DELTA') {
    head = `[${bar}] ${pct} `;
    const inPhase = Math.max(0, Number(p.replayedRows) - v.replayedBase);
    parts.push(`replayed ${inPhase} rows${v.replayedBase > 0 ? ` (${p.replayedRows} in all)` : ''}`, `backlog ${p.changeLogBacklog}`);
    parts.push(...(ended ? [`done in ${took}`] : [eta(), took]));
  } else {
    if (ended && v.phase === 'CUTOVER' && p.fenceWindowsMs.length) parts.push(`write-unavailable ${p.fenceWindowsMs.at(-1)} ms`);
    if (ended && v.phase === 'VERIFY' && j.verifyResult) parts.push(`verify: ${j.verifyResult}`);
    parts.push(ended ? `done in ${took}` : `running ${took}`);
  }
  if (!ended) {
    if (j.stalled) parts.push(`STALLED: ${j.stallReason || 'no progress'}`);
    if (j.abandonRequested) parts.push('abandon requested');
    if (j.lastError) parts.push(`last error: ${j.lastError}`);
  }
  return `${step} ${pad(v.phase, 12)} ${head}${parts.join(' | ')}${v.attempt > 1 ? ` (attempt ${v.attempt})` : ''}`;
}

/**
 * `job watch` on a terminal: a cli-progress bar per phase, redrawn in place
 * while the job is in it and left on screen (its last frame) when it moves on.
 */
class PhaseBars {
  private bar: cliProgress.SingleBar | undefined;
  private view: PhaseView | undefined;

  /** A new version of the job. */
  show(j: SplitJob__Output): void {
    const now = Date.now();
    const p = progressOf(j);
    const startedAt = p.phaseStartedAtMs !== '0' ? Number(p.phaseStartedAtMs) : now;
    const v = this.view;
    if (v && v.phase === j.phase && v.attempt === j.attempt && v.startedAt === startedAt) {
      v.job = j;
      v.receivedAt = now;
      const { value, total } = barValue(v);
      this.bar?.setTotal(total);
      this.bar?.update(value, { view: v });
      return;
    }
    // The job moved on: the old phase's line keeps its final numbers.
    if (v) {
      v.job = j;
      v.endedAt = startedAt;
      this.stop();
    }
    this.view = undefined;
    if (isTerminal(j.phase)) return;
    this.view = { phase: j.phase, attempt: j.attempt, startedAt, job: j, receivedAt: now, replayedBase: Number(p.replayedRows) };
    this.start();
  }

  /** Stops the bar where it is (before a note on stderr, or on exit); `resume` starts it again. */
  interrupt(): void {
    this.stop();
  }

  resume(): void {
    if (this.view && !this.bar) this.start();
  }

  private start(): void {
    const v = this.view!;
    this.bar = new cliProgress.SingleBar({
      stream: process.stdout,
      fps: 2,
      barsize: 24,
      hideCursor: true,
      linewrap: true,
      barCompleteChar: '\u2588',
      barIncompleteChar: '\u2591',
      format: (options, params, payload: { view: PhaseView }) => {
        const line = phaseFrame(payload.view, cliProgress.Format.BarFormat(params.progress, options), params.progress, Date.now());
        const cols = params.maxWidth || 120;
        return line.length > cols - 1 ? `${line.slice(0, Math.max(0, cols - 2))}…` : line;
      },
    });
    const { value, total } = barValue(v);
    this.bar.start(total, value, { view: v });
  }

  private stop(): void {
    const v = this.view;
    if (!this.bar || !v) return;
    const { value, total } = barValue(v);
    this.bar.setTotal(total);
    this.bar.update(value, { view: v });
    this.bar.stop();
    this.bar = undefined;
  }
}

const SILENCE_MS = 5000;

/**
 * One WatchSplitJob stream on `target`, until it ends, breaks, or falls
 * behind: after SILENCE_MS without an update the job is read with GetSplitJob,
 * and a newer version than the stream delivered ends this stream (to reconnect).
 */
function watchOnce(target: string, jobId: string, deliver: (j: SplitJob__Output) => void, seen: () => bigint): Promise<{ gotData: boolean; error?: KvError }> {
  return new Promise((resolve) => {
    const client = admin(target);
    const call = client.watchSplitJob({ jobId });
    let gotData = false;
    let done = false;
    let lastData = Date.now();
    const finish = (error?: KvError): void => {
      if (done) return;
      done = true;
      clearInterval(timer);
      call.cancel();
      client.close();
      resolve({ gotData, ...(error ? { error } : {}) });
    };
    call.on('data', (j: SplitJob__Output) => {
      gotData = true;
      lastData = Date.now();
      jobLeader = target;
      deliver(j);
      if (isTerminal(j.phase)) finish();
    });
    call.on('error', (e: grpc.ServiceError) => finish(fromServiceError(e)));
    call.on('end', () => finish());
    const timer = setInterval(() => {
      if (done || Date.now() - lastData < SILENCE_MS) return;
      lastData = Date.now();
      jobCall<object, SplitJob__Output>('getSplitJob', { jobId }).then(
        (j) => {
          if (done || BigInt(j.version) <= seen()) return;
          deliver(j);
          finish(isTerminal(j.phase) ? undefined : new KvError('UNAVAILABLE', 'the watch stream fell behind the job'));
        },
        () => undefined,
      );
    }, 1000);
  });
}

/**
 * Follows a job until it ends, calling `show` for each new version (above
 * `fromVersion`). A stream that breaks or ends early is opened again: on the
 * leader a NOT_LEADER names, else on the same node once, then on each endpoint
 * in turn; after 30 s (or 3 × --timeout-ms) without a working stream it gives up.
 */
async function watchJob(jobId: string, show: (j: SplitJob__Output) => void, note: (msg: string) => void, fromVersion = 0n): Promise<SplitJob__Output> {
  const eps = endpoints();
  if (eps.length === 0) fail(invalidArgument('endpoints', 'no endpoints given'));
  const giveUpMs = Math.max(30_000, 3 * g().timeoutMs);
  let seen = fromVersion;
  let last: SplitJob__Output | undefined;
  const deliver = (j: SplitJob__Output): void => {
    if (BigInt(j.version) <= seen) return;
    seen = BigInt(j.version);
    last = j;
    show(j);
  };
  let target = jobLeader ?? eps[0]!;
  let rot = target === eps[0] ? 1 : 0;
  let hops = 0;
  let failingSince: number | undefined;
  for (;;) {
    const r = await watchOnce(target, jobId, deliver, () => seen);
    if (last && isTerminal(last.phase)) return last;
    if (r.error?.code === 'INVALID_ARGUMENT') throw r.error;
    if (r.gotData) failingSince = undefined;
    failingSince ??= Date.now();
    const why = r.error ? `${r.error.code}: ${r.error.message}` : 'the stream ended before the job did';
    if (Date.now() - failingSince > giveUpMs) {
      throw new KvError(r.error?.code === 'DEADLINE_EXCEEDED' ? 'DEADLINE_EXCEEDED' : 'UNAVAILABLE', `gave up watching job ${jobId} after ${fmtAge(Date.now() - failingSince)} without a working stream; last: ${target}: ${why}`);
    }
    const broken = target;
    const hint = r.error?.code === 'NOT_LEADER' ? r.error.detail.leaderAddress : undefined;
    if (hint && hint !== target && hops < 3) {
      hops++;
      target = hint;
    } else {
      hops = 0;
      await sleep(200);
      // After a stream that worked, ask the same node again (it names the new leader); otherwise the next endpoint.
      if (!r.gotData) target = eps[rot++ % eps.length]!;
    }
    note(`watch on ${broken}: ${why}; reconnecting to ${target}`);
  }
}

/** Shows a job's progress until it ends, then exits 0 (DONE) or 1 (FAILED, ABANDONED). */
async function runWatch(jobId: string, fromVersion = 0n): Promise<never> {
  const json = g().json;
  const bars = !json && process.stdout.isTTY === true ? new PhaseBars() : undefined;
  let headed = false;
  if (bars) {
    process.once('SIGINT', () => {
      bars.interrupt();
      process.exit(130);
    });
  }
  const show = (j: SplitJob__Output): void => {
    if (json) console.log(JSON.stringify(jobJson(j)));
    else if (bars) {
      if (!headed) console.log(`job ${j.jobId}: route ${j.routeId} ${rangeOf(j)}, group ${j.sourceGroup} → group ${j.targetGroup}`);
      headed = true;
      bars.show(j);
    } else console.log(progressLine(j));
  };
  const note = (msg: string): void => {
    bars?.interrupt();
    console.error(`ferryctl: ${msg}`);
    bars?.resume();
  };
  let end: SplitJob__Output;
  try {
    end = await watchJob(jobId, show, note, fromVersion);
  } catch (e) {
    bars?.interrupt();
    failJob(e);
  }
  bars?.interrupt();
  if (!json) {
    console.log(endSummary(end));
    console.log(endLine(end));
  }
  process.exit(end.phase === 'DONE' ? EXIT.ok : EXIT.failed);
}

const JOB_JSON_HELP = `--json prints the job as {"jobId", "attempt", "routeId", "sourceGroup",
"targetGroup", "start", "startHex", "end", "endHex", "phase", "createdAtMs",
"updatedAtMs", "options", "progress", "fenceAttempts", "lastError",
"abandonRequested", "verifyResult", "releaseTs", "floor", "owner", "version",
"stalled", "stallReason"}:
"start"/"end" escaped as in \`routes list\` ("" = beginning / +infinity), the raw
bytes in hex as "startHex"/"endHex"; uint64 values are decimal strings;
"progress" has backfillRows, backfillBytes, replayedRows, replayedBytes,
rateBytesPerSec, changeLogBacklog, fenceWindowsMs[], phaseStartedAtMs,
estimatedBytes ("0": unknown), etaMs ("-1": unknown), lastProgressAtMs.`;

const JOB_ROUTING_HELP = `Job calls go to the default group's leader: a node answering NOT_LEADER names
it and the call follows; UNAVAILABLE (or NOT_LEADER without a name) moves on to
the next of --endpoints, until --timeout-ms has passed.`;

const job = program
  .command('job')
  .description('migration jobs: move a route (a key range) to another group, live; follow, list, abandon')
  .addHelpText(
    'after',
    `
A job moves through CLEAR_TARGET, CAPTURE, BACKFILL (copy), CATCHUP (replay the
change log), FENCE, FINAL_DELTA, CUTOVER, VERIFY, CLEANUP to DONE; writes to the
range pause only between FENCE and CUTOVER. An abandoned job retreats through
ABANDONING to ABANDONED (the source keeps the range); one that runs out of
attempts ends FAILED.`,
  )
  .exitOverride(usageExit);

interface StartOpts {
  route?: string;
  splitKey?: string;
  hex: boolean;
  to: number;
  chunkBytes?: number;
  rateLimit?: number;
  cleanupGraceMs?: number;
  fenceBudgetMs?: number;
  maxFenceAttempts?: number;
  maxAttempts?: number;
  skipVerify: boolean;
  watch: boolean;
}

job
  .command('start')
  .description('start moving a route (--route), or the part of a range from a key on (--split-key), to group --to')
  .option('--route <id>', 'the route to move (ROUTE in `routes list`)')
  .option('--split-key <key>', 'first split the range holding <key> at <key> (in its group, idempotent), then move the right part [key, end)')
  .option('--hex', '--split-key is hex bytes (e.g. 00ff61) instead of UTF-8 text', false)
  .requiredOption('--to <group>', 'the group to move it to', uintOption(1, 2 ** 32 - 1))
  .option('--chunk-bytes <n>', `bytes per copy chunk, ${OPTION_BOUNDS.chunkBytes.join('..')} (default 1 MiB)`, boundOption('chunkBytes'))
  .option('--rate-limit <bytesPerSec>', 'pace the copy to this many bytes per second (default 0: unlimited)', boundOption('rateLimitBytesPerSec'))
  .option('--cleanup-grace-ms <ms>', 'wait this long after cutover before deleting the source copy (default 30000; 0 is honoured)', boundOption('cleanupGraceMs'))
  .option('--fence-budget-ms <ms>', `fence writes once the rest of the change log would replay within this at the measured replay rate, ${OPTION_BOUNDS.fenceBudgetMs.join('..')} (default ${DEFAULT_OPTIONS.fenceBudgetMs})`, boundOption('fenceBudgetMs'))
  .option('--max-fence-attempts <n>', `fence rounds before an attempt retreats and starts over, ${OPTION_BOUNDS.maxFenceAttempts.join('..')} (default 5)`, boundOption('maxFenceAttempts'))
  .option('--max-attempts <n>', `attempts before the job ends FAILED, ${OPTION_BOUNDS.maxAttempts.join('..')} (default 3)`, boundOption('maxAttempts'))
  .option('--skip-verify', 'skip the VERIFY phase (comparing source and target after cutover); recorded on the job', false)
  .option('--watch', 'then follow the job as `job watch` does (and exit as it does)', false)
  .addHelpText(
    'after',
    `
Give exactly one of --route and --split-key. Prints the new job's id and phase
(CLEAR_TARGET); the job runs on the default group's leader, without this
command: follow it with \`ferryctl job watch <id>\`, or add --watch. Only one
job at a time per route; a route that is not ACTIVE (another job is moving it)
is refused with ABORTED.
${KEY_HELP}

${JOB_JSON_HELP}
With --watch --json, JSON lines follow: each later version of the job.

${JOB_ROUTING_HELP}
The request is not repeated after DEADLINE_EXCEEDED (it may have created the
job: check \`ferryctl job list\`).

Exit codes: 0 started (with --watch: ended DONE), 1 other errors (with --watch:
ended FAILED or ABANDONED), 2 usage (missing --to, both or neither of --route
and --split-key, bad numbers; also the cluster's INVALID_ARGUMENT: unknown route
or group, route already in that group), 4 no leader answered.`,
  )
  .exitOverride(usageExit)
  .action(async (o: StartOpts) => {
    if ((o.route === undefined) === (o.splitKey === undefined)) fail(invalidArgument('route', 'give exactly one of --route <id> and --split-key <key>'));
    if (o.hex && o.splitKey === undefined) fail(invalidArgument('hex', '--hex applies to --split-key'));
    let key = Buffer.alloc(0);
    if (o.splitKey !== undefined) {
      if (o.hex && !/^([0-9a-fA-F]{2})*$/.test(o.splitKey)) fail(invalidArgument('split_key', `"${o.splitKey}" is not hex (an even number of digits 0-9, a-f)`));
      key = o.hex ? Buffer.from(o.splitKey, 'hex') : Buffer.from(o.splitKey, 'utf8');
      if (key.length === 0) fail(invalidArgument('split_key', 'must not be empty (use --route to move a whole route)'));
    }
    if (o.route !== undefined && (!/^[0-9]{1,20}$/.test(o.route) || BigInt(o.route) === 0n || BigInt(o.route) >= 1n << 64n)) {
      fail(invalidArgument('route', `"${o.route}" is not a route id (a positive integer, ROUTE in \`ferryctl routes list\`)`));
    }
    const options: JobOptions = {
      ...(o.chunkBytes !== undefined ? { chunkBytes: o.chunkBytes } : {}),
      ...(o.rateLimit !== undefined ? { rateLimitBytesPerSec: String(o.rateLimit) } : {}),
      ...(o.cleanupGraceMs !== undefined ? { cleanupGraceMs: String(o.cleanupGraceMs), cleanupGraceSet: true } : {}),
      ...(o.fenceBudgetMs !== undefined ? { fenceBudgetMs: o.fenceBudgetMs } : {}),
      ...(o.maxFenceAttempts !== undefined ? { maxFenceAttempts: o.maxFenceAttempts } : {}),
      ...(o.maxAttempts !== undefined ? { maxAttempts: o.maxAttempts } : {}),
      skipVerify: o.skipVerify,
    };
    const req: StartSplitMigrationRequest = { routeId: o.route !== undefined ? BigInt(o.route).toString() : '0', splitKey: key, targetGroup: o.to, options };
    let j: SplitJob__Output;
    try {
      j = await jobCall<StartSplitMigrationRequest, SplitJob__Output>('startSplitMigration', req, false);
    } catch (e) {
      if (e instanceof KvError && ['ABORTED', 'DEADLINE_EXCEEDED', 'UNKNOWN_RESULT'].includes(e.code)) {
        fail(new KvError(e.code, `${e.message} (a job for this range may already exist: ferryctl job list)`, e.detail));
      }
      fail(e);
    }
    if (g().json) console.log(JSON.stringify(jobJson(j)));
    else {
      console.log(`started job ${j.jobId}: route ${j.routeId} ${rangeOf(j)}, group ${j.sourceGroup} → group ${j.targetGroup}, phase ${j.phase}`);
      if (!o.watch) console.log(`follow it: ferryctl job watch ${j.jobId}`);
    }
    if (o.watch) await runWatch(j.jobId, BigInt(j.version));
  });

job
  .command('get <id>')
  .description('one job: range, source → target, phase, attempt, progress, estimate, ETA, stall, fence windows, verify result, last error, age')
  .addHelpText(
    'after',
    `
Progress: rows and bytes copied by BACKFILL, the range's estimated size (the
source's estimate, raised as the copy passes it), rows and bytes replayed from
the source's change log, the change-log backlog (rows not yet replayed, as last
seen), the copy rate over the last progress interval, the ETA (to the end of
the copy or the catch-up), whether the job is STALLED (no progress for the
cluster's stall threshold) and why, and each cutover's write-unavailable window
(fence → adopt).
${KEY_HELP}

${JOB_JSON_HELP}

${JOB_ROUTING_HELP}

Exit codes: 0 ok, 2 usage (an id that is not a positive integer), 3 no such job
(never created, or dropped from the history of finished jobs), 4 no leader
answered, 1 other errors.`,
  )
  .exitOverride(usageExit)
  .action(async (idArg: string) => {
    const jobId = jobIdArg(idArg);
    let j: SplitJob__Output;
    try {
      j = await jobCall<object, SplitJob__Output>('getSplitJob', { jobId });
    } catch (e) {
      failJob(e);
    }
    out(jobSummary(j), jobJson(j));
  });

job
  .command('list')
  .description('jobs in id order as a table: JOB, ROUTE, FROM→TO, PHASE, ATTEMPT, COPIED, UPDATED, ERROR')
  .option('--phase <phases>', `only jobs in these phases, comma-separated (case-insensitive): ${PHASES.join(', ')}`, (v: string, prev: string[] | undefined) => {
    const ps = v.split(',').map((p) => p.trim().toUpperCase()).filter(Boolean);
    const bad = ps.filter((p) => !(PHASES as readonly string[]).includes(p));
    if (bad.length > 0 || ps.length === 0) throw new InvalidArgumentError(`unknown phase ${bad.join(', ') || '(none given)'}; phases: ${PHASES.join(', ')}`);
    return [...(prev ?? []), ...ps];
  })
  .option('--limit <n>', 'print at most N jobs, the lowest ids first', uintOption(1, 1_000_000), 1000)
  .option('--page-size <n>', 'jobs per request, 1..1000; pages are fetched until --limit or the last job', uintOption(1, 1000), 1000)
  .addHelpText(
    'after',
    `
COPIED is rows and bytes copied by BACKFILL; UPDATED is the time since the job
record last changed; ERROR is the last error ("-": none). The cluster keeps
live and FAILED jobs, and the last 1000 DONE or ABANDONED ones.

--json: {"jobs": [job, ...], "more": bool, "nextAfterJobId"}: each job as in
\`job get --json\`; "more" says --limit cut the list short ("nextAfterJobId" is
then the last id printed, "0" otherwise).

${JOB_ROUTING_HELP}

Exit codes: 0 ok (also when no job matches), 2 usage (unknown phase, bad
number), 4 no leader answered, 1 other errors.`,
  )
  .exitOverride(usageExit)
  .action(async (o: { phase?: string[]; limit: number; pageSize: number }) => {
    const jobs: SplitJob__Output[] = [];
    let after = '0';
    let more = false;
    try {
      for (;;) {
        const want = Math.min(o.pageSize, o.limit - jobs.length);
        const page = await jobCall<object, ListSplitJobsResponse__Output>('listSplitJobs', { phases: o.phase ?? [], afterJobId: after, limit: want });
        jobs.push(...page.jobs.slice(0, want));
        more = page.nextAfterJobId !== '0' && page.nextAfterJobId !== '';
        if (!more || page.jobs.length === 0) break;
        after = page.nextAfterJobId;
        if (jobs.length >= o.limit) break;
      }
    } catch (e) {
      fail(e);
    }
    const now = Date.now();
    const head = ['JOB', 'ROUTE', 'FROM→TO', 'PHASE', 'ATTEMPT', 'COPIED', 'UPDATED', 'ERROR'];
    const rows = jobs.map((j) => {
      const p = progressOf(j);
      return [
        j.jobId,
        j.routeId,
        `${j.sourceGroup}→${j.targetGroup}`,
        `${j.phase}${j.abandonRequested && !isTerminal(j.phase) ? ' (abandon requested)' : ''}`,
        String(j.attempt),
        `${p.backfillRows} rows ${fmtBytes(p.backfillBytes)}`,
        `${fmtAge(now - Number(j.updatedAtMs))} ago`,
        j.lastError || '-',
      ];
    });
    const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)) + 2);
    const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : pad(c, width[i]!))).join('');
    const filter = o.phase ? ` in ${o.phase.join(', ')}` : '';
    const human =
      jobs.length === 0
        ? `(no jobs${filter})`
        : [`${jobs.length} job${jobs.length === 1 ? '' : 's'}${filter}${more ? ` (more: raise --limit above ${o.limit})` : ''}`, line(head), ...rows.map(line)].join('\n');
    out(human, { jobs: jobs.map(jobJson), more, nextAfterJobId: more ? jobs.at(-1)!.jobId : '0' });
  });

job
  .command('watch <id>')
  .description('follow a job until it ends: exit 0 when DONE, 1 when FAILED or ABANDONED')
  .addHelpText(
    'after',
    `
On a terminal: a line per phase as the job moves (N/10: its place in the
pipeline), redrawn in place while the job is in it and left with its final
numbers when it moves on. BACKFILL has a bar of bytes copied of the range's
estimated size (the source's estimate, raised as the copy passes it), rows, the
copy rate and the ETA; CATCHUP and FINAL_DELTA a bar of change-log rows
replayed in the phase of those replayed plus the backlog, and the ETA; other
phases the time in the phase. STALLED and its reason show when the cluster
reports no progress for its stall threshold. Otherwise (output piped, or
--json): one line per update, with a UTC time of day; --json prints JSON lines,
each a version of the job as in \`job get --json\` (the last one has the final
phase).

When the job ends (not with --json) it prints a summary (outcome, duration,
rows and bytes copied, rows replayed, write-unavailable fence windows,
attempts, verify result), then one line saying how it ended (DONE, ABANDONED
or FAILED, with the last error). If the stream breaks before that (the leader
changed or went away), it reconnects: to the leader a NOT_LEADER names, else
the same node, then each of --endpoints in turn; it gives up after 30 s (or 3 x
--timeout-ms) without a working stream, exit 4. Notes about reconnecting go to
stderr.

Exit codes: 0 DONE, 1 FAILED or ABANDONED (or other errors), 2 usage (an id
that is not a positive integer), 3 no such job, 4 gave up reconnecting.`,
  )
  .exitOverride(usageExit)
  .action(async (idArg: string) => {
    await runWatch(jobIdArg(idArg));
  });

job
  .command('abandon <id>')
  .description('ask a job to retreat: the source keeps the range and the target drops what it copied')
  .addHelpText(
    'after',
    `
The job retreats through ABANDONING to ABANDONED (follow it with \`job watch\`).
Refused once the source has released the range (from VERIFY on): the job can
then only roll forward; this prints the reason and exits 2. A job that already
ended (DONE, ABANDONED, FAILED) is left unchanged: it says so and exits 0 (to
undo a DONE move, start a job moving the route back). Asking again while a
job retreats is harmless.

${JOB_JSON_HELP}
Here it is wrapped: {"outcome": "abandon-requested" | "already-ended", "job": job};
a refusal prints {"error": {"code": "INVALID_ARGUMENT", "message", "field", "reason"}}.

${JOB_ROUTING_HELP}

Exit codes: 0 requested (or the job had already ended), 2 refused or usage, 3 no
such job, 4 no leader answered, 1 other errors.`,
  )
  .exitOverride(usageExit)
  .action(async (idArg: string) => {
    const jobId = jobIdArg(idArg);
    let j: SplitJob__Output;
    try {
      j = await jobCall<object, SplitJob__Output>('abandonSplitJob', { jobId });
    } catch (e) {
      if (e instanceof KvError && e.code === 'INVALID_ARGUMENT' && e.detail.reason !== undefined && e.detail.field === 'job_id' && !g().json) {
        console.error(`ferryctl: job ${jobId} cannot be abandoned: ${e.message}`);
        process.exit(EXIT.usage);
      }
      failJob(e);
    }
    if (isTerminal(j.phase)) {
      const undo = j.phase === 'DONE' ? `; route ${j.routeId} is served by group ${j.targetGroup} (to move it back: ferryctl job start --route ${j.routeId} --to ${j.sourceGroup})` : '';
      out(`job ${j.jobId} already ended ${j.phase}: nothing to abandon, the job is unchanged${undo}`, { outcome: 'already-ended', job: jobJson(j) });
    } else {
      out(
        `abandon requested: job ${j.jobId} (phase ${j.phase}) retreats to ABANDONED; route ${j.routeId} ${rangeOf(j)} stays with group ${j.sourceGroup}. Follow it: ferryctl job watch ${j.jobId}`,
        { outcome: 'abandon-requested', job: jobJson(j) },
      );
    }
  });

// ---- verify: compare the replicas of a group (Merkle trees at one Raft-ordered read point).

/** CONSISTENT: every replica agrees; INCONSISTENT: some differ; UNVERIFIED: no verdict (a node, the group or a replica did not answer). */
type Verdict = 'CONSISTENT' | 'INCONSISTENT' | 'UNVERIFIED';

interface GroupCheck {
  groupId: number;
  verdict: Verdict;
  /** The endpoint that ran the verification. */
  node?: string;
  report?: VerifyRangeResponse__Output;
  /** Why there is no report. */
  error?: KvError;
}

interface VerifyOpts {
  group?: number;
  all?: boolean;
  start?: string;
  end?: string;
  hex?: boolean;
  at?: string;
  allVersions?: boolean;
  maxKeys?: number;
  deadlineMs?: number;
}

/** Differences found make a group INCONSISTENT even when a replica also failed to answer; a failed replica alone leaves it UNVERIFIED. */
function verdictOf(r: VerifyRangeResponse__Output): Verdict {
  if (r.consistent) return 'CONSISTENT';
  if (r.differingRanges.length > 0 || r.differingKeys.length > 0) return 'INCONSISTENT';
  return r.replicas.some((x) => x.error) ? 'UNVERIFIED' : 'INCONSISTENT';
}

/**
 * VerifyRange on the first endpoint that answers (any node serves it): UNAVAILABLE
 * and NOT_LEADER move on to the next endpoint; anything else (DEADLINE_EXCEEDED
 * too: the verification is not started again) is final.
 */
async function verifyOnAnyNode(req: VerifyRangeRequest, deadlineMs: number): Promise<{ node: string; report: VerifyRangeResponse__Output }> {
  let last: KvError | undefined;
  for (const t of endpoints()) {
    try {
      return { node: t, report: await adminCall<VerifyRangeRequest, VerifyRangeResponse__Output>(t, 'verifyRange', req, deadlineMs) };
    } catch (e) {
      if (!(e instanceof KvError)) throw e;
      last = tagged(e, t);
      if (e.code !== 'UNAVAILABLE' && e.code !== 'NOT_LEADER') throw last;
    }
  }
  throw last ?? invalidArgument('endpoints', 'no endpoints given');
}

/** One group's verdict; INVALID_ARGUMENT (unknown group, bad range) is thrown, other failures make it UNVERIFIED. */
async function checkGroup(groupId: number, base: Omit<VerifyRangeRequest, 'groupId'>, deadlineMs: number): Promise<GroupCheck> {
  try {
    const { node, report } = await verifyOnAnyNode({ ...base, groupId }, deadlineMs);
    return { groupId, verdict: verdictOf(report), node, report };
  } catch (e) {
    const err = e instanceof KvError ? e : new KvError('INTERNAL', e instanceof Error ? e.message : String(e));
    if (err.code === 'INVALID_ARGUMENT') throw err;
    return { groupId, verdict: 'UNVERIFIED', error: err };
  }
}

/** The groups of the cluster: every group some endpoint holds a replica of (NodeStatus of each endpoint). */
async function clusterGroups(): Promise<{ groups: number[]; unreachable: string[] }> {
  const eps = endpoints();
  if (eps.length === 0) fail(invalidArgument('endpoints', 'no endpoints given'));
  const answers = await Promise.allSettled(eps.map((e) => adminCall<object, NodeStatusResponse__Output>(e, 'nodeStatus', {})));
  const ids = new Set<number>();
  const unreachable: string[] = [];
  answers.forEach((a, i) => {
    if (a.status === 'fulfilled') for (const gs of a.value.groups) ids.add(gs.groupId);
    else unreachable.push(eps[i]!);
  });
  if (unreachable.length === eps.length) fail(new KvError('UNAVAILABLE', `no node answered NodeStatus at ${eps.join(', ')}`));
  if (ids.size === 0) fail(new KvError('UNAVAILABLE', `the nodes that answered (${eps.filter((e) => !unreachable.includes(e)).join(', ')}) hold no group`));
  return { groups: [...ids].sort((a, b) => a - b), unreachable };
}

/** A table with a two-space indent, columns as wide as their widest cell (the last one unpadded). */
function table(head: string[], rows: string[][], indent = '  '): string[] {
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)) + 2);
  const line = (cells: string[]): string => indent + cells.map((c, i) => (i === cells.length - 1 ? c : pad(c, width[i]!))).join('');
  return [line(head), ...rows.map(line)];
}

/** Which replicas hold a root no majority shares (roots are comparable: all are hashed on the reference's leaf boundaries). */
function oddOneOut(r: VerifyRangeResponse__Output): string | undefined {
  const answered = r.replicas.filter((x) => !x.error);
  const byRoot = new Map<string, number[]>();
  for (const x of answered) byRoot.set(hex(x.root), [...(byRoot.get(hex(x.root)) ?? []), x.nodeId]);
  if (byRoot.size < 2) return undefined;
  const top = [...byRoot.values()].sort((a, b) => b.length - a.length)[0]!;
  if (top.length * 2 <= answered.length) return `no root is shared by a majority of the ${answered.length} replicas that answered`;
  const odd = answered
    .filter((x) => !top.includes(x.nodeId))
    .map((x) => x.nodeId)
    .sort((a, b) => a - b);
  // Node ids in numeric order, whichever replica was the reference.
  return `odd one${odd.length > 1 ? 's' : ''} out: node${odd.length > 1 ? 's' : ''} ${odd.join(', ')} (nodes ${[...top].sort((a, b) => a - b).join(', ')} agree)`;
}

const MAX_RANGES_SHOWN = 20;

function checkText(c: GroupCheck, scope: string): string {
  if (!c.report) return `group ${c.groupId}: UNVERIFIED (${scope}): ${c.error!.code}: ${c.error!.message}`;
  const r = c.report;
  const lines = [`group ${c.groupId}: ${c.verdict} (${scope}); reference node ${r.referenceNodeId} (the group's leader), asked ${c.node}`];
  const failed = r.replicas.filter((x) => x.error);
  lines.push(
    ...table(
      ['NODE', 'ROOT', 'LEAVES', 'BYTES', 'ERROR'],
      r.replicas.map((x) => [String(x.nodeId), x.error ? '-' : hex(x.root).slice(0, 12), x.error ? '-' : String(x.leaves), x.error ? '-' : x.bytes, x.error.trim() || '-']),
    ),
  );
  const odd = c.verdict === 'INCONSISTENT' ? oddOneOut(r) : undefined;
  if (odd) lines.push(`  ${odd}`);
  if (failed.length > 0 && c.verdict === 'UNVERIFIED') lines.push(`  node${failed.length > 1 ? 's' : ''} ${failed.map((x) => x.nodeId).join(', ')} did not answer; the replicas that answered agree`);
  if (r.differingRanges.length > 0) {
    lines.push(`  differing ranges (${r.differingRanges.length}):`);
    for (const x of r.differingRanges.slice(0, MAX_RANGES_SHOWN)) lines.push(`    [${showStart(x.start)}, ${showEnd(x.end)})`);
    if (r.differingRanges.length > MAX_RANGES_SHOWN) lines.push(`    … and ${r.differingRanges.length - MAX_RANGES_SHOWN} more (--json lists them all)`);
  }
  if (r.differingKeys.length > 0) {
    lines.push(`  differing keys (${r.differingKeys.length}${r.keysTruncated ? ', truncated' : ''}):`);
    lines.push(...table(['KEY', 'TS', 'NODE', 'KIND'], r.differingKeys.map((k) => [showKey(k.key), k.ts, String(k.nodeId), k.kind]), '    '));
    lines.push(`    (missing: reference node ${r.referenceNodeId} has this version and NODE not; extra: NODE has it and the reference not; changed: same version, another value)`);
  }
  if (r.keysTruncated) lines.push('  more differences than listed: raise --max-keys, or verify a narrower --start/--end');
  lines.push(
    `  took ${r.durationMs} ms; scanned ${r.bytesScanned} bytes (${fmtBytes(r.bytesScanned)}) on all replicas; read point at log index ${r.index}; ${r.nodesCompared} Merkle node pairs compared`,
  );
  return lines.join('\n');
}

function checkJson(c: GroupCheck): Record<string, unknown> {
  const r = c.report;
  return {
    groupId: c.groupId,
    status: c.verdict,
    node: c.node ?? null,
    error: c.error ? { code: c.error.code, message: c.error.message } : null,
    report: r
      ? {
          consistent: r.consistent,
          referenceNodeId: r.referenceNodeId,
          replicas: r.replicas.map((x) => ({ nodeId: x.nodeId, root: hex(x.root), leaves: x.leaves, bytes: x.bytes, error: x.error })),
          differingRanges: r.differingRanges.map((x) => ({ start: showKey(x.start), startHex: hex(x.start), end: showKey(x.end), endHex: hex(x.end) })),
          differingKeys: r.differingKeys.map((k) => ({ key: showKey(k.key), keyHex: hex(k.key), ts: k.ts, nodeId: k.nodeId, kind: k.kind })),
          keysTruncated: r.keysTruncated,
          durationMs: r.durationMs,
          bytesScanned: r.bytesScanned,
          index: r.index,
          nodesCompared: r.nodesCompared,
        }
      : null,
  };
}

/** A cli-progress bar over the groups of `verify --all` (on a terminal), cleared when stopped. */
function groupBar(total: number, done: number, groupId: number, inconsistent: number): cliProgress.SingleBar {
  const since = Date.now();
  const bar = new cliProgress.SingleBar({
    stream: process.stdout,
    fps: 2,
    barsize: 24,
    hideCursor: true,
    clearOnComplete: true,
    barCompleteChar: '\u2588',
    barIncompleteChar: '\u2591',
    format: (options, params) =>
      `verifying [${cliProgress.Format.BarFormat(params.progress, options)}] ${params.value}/${params.total} groups | group ${groupId} for ${fmtAge(Date.now() - since)}${inconsistent > 0 ? ` | ${inconsistent} inconsistent so far` : ''}`,
  });
  bar.start(total, done);
  return bar;
}

function verifyKey(field: string, v: string | undefined, isHex: boolean): Buffer {
  if (v === undefined) return Buffer.alloc(0);
  if (!isHex) return Buffer.from(v, 'utf8');
  if (!/^([0-9a-fA-F]{2})*$/.test(v)) fail(invalidArgument(field, `"${v}" is not hex (an even number of digits 0-9, a-f)`));
  return Buffer.from(v, 'hex');
}

const plural = (n: number, one: string, many = `${one}s`): string => (n === 1 ? one : many);

program
  .command('verify')
  .description('compare every replica of a group (--group) or of every group (--all) at one read point: CONSISTENT or INCONSISTENT, replicas, differing keys')
  .option('--group <id>', 'the group to verify', uintOption(1, 2 ** 32 - 1))
  .option('--all', 'verify every group of the cluster (those the endpoints hold replicas of, per NodeStatus), one after another')
  .option('--start <key>', 'verify only keys >= START (default: the beginning of the key space)')
  .option('--end <key>', 'verify only keys < END (default: +infinity)')
  .option('--hex', '--start and --end are hex bytes (e.g. 00ff61) instead of UTF-8 text')
  .option('--at <ts>', 'compare the state visible at this HLC timestamp (per key the newest version at or before it; keys deleted by then are left out); a positive integer (e.g. a commit ts `put` printed), or "now" (this machine\'s clock)', (v: string) => {
    if (v === 'now') return v;
    if (!/^[0-9]{1,20}$/.test(v) || BigInt(v) === 0n || BigInt(v) >= 1n << 64n) throw new InvalidArgumentError('must be an HLC timestamp (a positive 64-bit integer) or "now"');
    return BigInt(v).toString();
  })
  .option('--all-versions', 'compare every stored version, tombstones included (the default)')
  .option('--max-keys <n>', 'list at most N differing versions per group, 1..100000 (default 100)', uintOption(1, 100_000))
  .option('--deadline-ms <ms>', 'deadline of each group\'s verification (default 10 x --timeout-ms)', uintOption(1, 2 ** 31 - 1))
  .addHelpText(
    'after',
    `
One node (the first of --endpoints that answers; UNAVAILABLE or NOT_LEADER moves
on to the next) runs the verification: the group's leader appends a read point
to the group's Raft log, each replica hashes its data in [START, END) at that
point into Merkle leaves on the leader's leaf boundaries, each replica's tree is
compared with the leader's (the reference), and only in the leaves that differ
are the versions compared and named. Writes and migrations may go on meanwhile.
Every replica reads all of the range: on a big group this takes a while, so the
call's deadline is --deadline-ms (default 10 x --timeout-ms); after
DEADLINE_EXCEEDED it is not started again. With --all the groups are verified
one after another; on a terminal a bar over the groups shows (otherwise a line
per group as it starts), and each group's report prints when it is done.

Report, per group: "group G: CONSISTENT|INCONSISTENT|UNVERIFIED (range, versions);
reference node R (the group's leader), asked HOST:PORT", then the replicas as
NODE, ROOT (the first 12 hex digits of its Merkle root), LEAVES, BYTES (bytes
hashed), ERROR ("-": answered); for an inconsistent group the replicas whose
root no majority shares ("odd one out"), the differing ranges (leaf ranges
[START, END)) and the differing keys as KEY, TS (the version's HLC timestamp),
NODE, KIND: missing (the reference has the version, NODE not), extra (NODE has
it, the reference not), changed (same version, another value); then the
duration, bytes scanned (all replicas), the read point's log index and the
Merkle node pairs compared. The last line says CONSISTENT, INCONSISTENT (naming
the groups whose replicas differ) or UNVERIFIED. UNVERIFIED: no node answered,
the group has no leader, a replica did not answer (and those that did agree),
the deadline passed, or another error.
${KEY_HELP}

--json: one object {"consistent", "inconsistentGroups", "unverifiedGroups",
"unreachable", "range": {"start", "startHex", "end", "endHex"}, "readTs",
"groups": [{"groupId", "status", "node", "error": {"code", "message"} | null,
"report": {"consistent", "referenceNodeId", "replicas": [{"nodeId", "root" (hex),
"leaves", "bytes", "error"}], "differingRanges": [{"start", "startHex", "end",
"endHex"}], "differingKeys": [{"key", "keyHex", "ts", "nodeId", "kind"}],
"keysTruncated", "durationMs", "bytesScanned", "index", "nodesCompared"} | null}]};
keys escaped as above and in hex; uint64 values are decimal strings; "readTs" "0"
is all versions. Without progress lines.

Exit codes: 0 every group verified CONSISTENT; 1 INCONSISTENT: the replicas of
some group differ (also when another group could not be verified); 4 some group
UNVERIFIED and none inconsistent (also: no endpoint answered NodeStatus for
--all); 2 usage: --group with --all or neither, --at with --all-versions, bad
hex, START >= END, bad numbers, and the cluster's INVALID_ARGUMENT (e.g. an
unknown group).`,
  )
  .exitOverride(usageExit)
  .action(async (o: VerifyOpts) => {
    if (o.group !== undefined && o.all === true) fail(invalidArgument('group', '--group and --all exclude each other'));
    if (o.group === undefined && !o.all) fail(invalidArgument('group', 'give --group <id> or --all'));
    const all = o.all === true;
    if (o.at !== undefined && o.allVersions) fail(invalidArgument('at', '--at and --all-versions exclude each other'));
    if (o.hex && o.start === undefined && o.end === undefined) fail(invalidArgument('hex', '--hex applies to --start and --end'));
    const start = verifyKey('start', o.start, o.hex === true);
    const end = verifyKey('end', o.end, o.hex === true);
    if (end.length > 0 && Buffer.compare(start, end) >= 0) fail(invalidArgument('end', 'must be greater than --start (omit --end for +infinity)'));
    const readTs = o.at === undefined ? '0' : o.at === 'now' ? (BigInt(Date.now()) << 16n).toString() : o.at;
    const deadlineMs = o.deadlineMs ?? 10 * g().timeoutMs;
    const base: Omit<VerifyRangeRequest, 'groupId'> = { start, end, readTs, maxKeys: o.maxKeys ?? 0 };
    const whole = start.length === 0 && end.length === 0;
    const physicalMs = Number(BigInt(readTs) >> 16n);
    const versions = readTs === '0' ? 'all versions' : `visible at ts ${readTs}${physicalMs <= 8.64e15 ? ` (${new Date(physicalMs).toISOString()})` : ''}`;
    const scope = `${whole ? 'all keys' : `[${showStart(start)}, ${showEnd(end)})`}, ${versions}`;

    const json = g().json;
    const { groups, unreachable } = all ? await clusterGroups() : { groups: [o.group!], unreachable: [] as string[] };
    if (!json && unreachable.length > 0) console.error(`ferryctl: no answer from ${unreachable.join(', ')}; verifying the groups the other nodes hold`);
    const tty = all && !json && process.stdout.isTTY === true;
    let bar: cliProgress.SingleBar | undefined;
    const stopBar = (): void => {
      bar?.stop();
      bar = undefined;
    };
    if (tty) {
      process.once('SIGINT', () => {
        stopBar();
        process.exit(130);
      });
    }
    const checks: GroupCheck[] = [];
    for (const [i, gid] of groups.entries()) {
      if (tty) bar = groupBar(groups.length, i, gid, checks.filter((c) => c.verdict === 'INCONSISTENT').length);
      else if (all && !json) console.log(`${timeOfDay(Date.now())} verifying group ${gid} (${i + 1} of ${groups.length})`);
      let c: GroupCheck;
      try {
        c = await checkGroup(gid, base, deadlineMs);
      } catch (e) {
        stopBar();
        fail(e);
      }
      stopBar();
      checks.push(c);
      if (!json) console.log(`${checkText(c, scope)}${all ? '\n' : ''}`);
    }

    const bad = checks.filter((c) => c.verdict === 'INCONSISTENT').map((c) => c.groupId);
    const unverified = checks.filter((c) => c.verdict === 'UNVERIFIED').map((c) => c.groupId);
    const exitCode = bad.length > 0 ? EXIT.failed : unverified.length > 0 ? EXIT.unavailable : EXIT.ok;
    if (json) {
      console.log(
        JSON.stringify({
          consistent: exitCode === EXIT.ok,
          inconsistentGroups: bad,
          unverifiedGroups: unverified,
          unreachable,
          range: { start: showKey(start), startHex: hex(start), end: showKey(end), endHex: hex(end) },
          readTs,
          groups: checks.map(checkJson),
        }),
      );
    } else {
      const n = groups.length;
      const notVerified = unverified.length > 0 ? `group${unverified.length > 1 ? 's' : ''} ${unverified.join(', ')} could not be verified` : '';
      if (bad.length > 0) {
        console.log(`INCONSISTENT: the replicas differ in ${plural(bad.length, 'group')} ${bad.join(', ')}${all ? ` (${bad.length} of ${n} groups)` : ''}${notVerified ? `; ${notVerified}` : ''}`);
      } else if (unverified.length > 0) {
        const agree = n - unverified.length;
        console.log(`UNVERIFIED: ${notVerified}${agree > 0 ? `; the replicas of the other ${agree} ${plural(agree, 'group')} agree` : ''}`);
      } else console.log(`CONSISTENT: ${n === 1 ? `group ${groups[0]}` : `all ${n} groups`}: the replicas agree`);
    }
    process.exit(exitCode);
  });

await program.parseAsync();
