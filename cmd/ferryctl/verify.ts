// `ferryctl verify --group <id> | --all`: compare every replica of a group at
// one Raft-ordered read point (Merkle trees on the leader's leaf boundaries),
// group after group. Exits 0 when every group is CONSISTENT, 1 when some group
// is INCONSISTENT, 4 when some group is UNVERIFIED (and none inconsistent).

import cliProgress from 'cli-progress';
import { InvalidArgumentError, type Command } from 'commander';
import { KvError, invalidArgument } from '../../src/api/errors.js';
import type { NodeStatusResponse__Output } from '../../src/proto-gen/ferrykv/admin/v1/NodeStatusResponse.js';
import type { VerifyRangeRequest } from '../../src/proto-gen/ferrykv/admin/v1/VerifyRangeRequest.js';
import type { VerifyRangeResponse__Output } from '../../src/proto-gen/ferrykv/admin/v1/VerifyRangeResponse.js';
import { EXIT, isPositiveUint64, tagged, uintOption, usageExit, type CtlContext } from './context.js';
import { BAR_LOOK, KEY_HELP, fmtAge, plural, showEnd, showStart, timeOfDay } from './format.js';
import type { VerifyJson } from './output.js';
import { checkGroupJson, checkText, rangeJson, verdictOf, type GroupCheck } from './verify-report.js';

const VERIFY_HELP = `
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
unknown group).`;

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

/** What the options ask for: the range and read point of every group's verification, and how the report names them. */
interface VerifyPlan {
  all: boolean;
  start: Buffer;
  end: Buffer;
  readTs: string;
  deadlineMs: number;
  base: Omit<VerifyRangeRequest, 'groupId'>;
  /** The range and versions compared, as the report names them. */
  scope: string;
}

/** --at: an HLC timestamp (a positive uint64) or "now". */
function atOption(v: string): string {
  if (v === 'now') return v;
  if (!isPositiveUint64(v)) throw new InvalidArgumentError('must be an HLC timestamp (a positive 64-bit integer) or "now"');
  return BigInt(v).toString();
}

const optionalKey = (ctx: CtlContext, field: string, v: string | undefined, isHex: boolean): Buffer => (v === undefined ? Buffer.alloc(0) : ctx.keyArg(field, v, isHex));

/** Checks the options (a bad combination fails as a usage error) and plans the verification. */
function verifyPlan(ctx: CtlContext, o: VerifyOpts): VerifyPlan {
  if (o.group !== undefined && o.all === true) ctx.fail(invalidArgument('group', '--group and --all exclude each other'));
  if (o.group === undefined && !o.all) ctx.fail(invalidArgument('group', 'give --group <id> or --all'));
  if (o.at !== undefined && o.allVersions) ctx.fail(invalidArgument('at', '--at and --all-versions exclude each other'));
  if (o.hex && o.start === undefined && o.end === undefined) ctx.fail(invalidArgument('hex', '--hex applies to --start and --end'));
  const start = optionalKey(ctx, 'start', o.start, o.hex === true);
  const end = optionalKey(ctx, 'end', o.end, o.hex === true);
  if (end.length > 0 && Buffer.compare(start, end) >= 0) ctx.fail(invalidArgument('end', 'must be greater than --start (omit --end for +infinity)'));
  const readTs = o.at === undefined ? '0' : o.at === 'now' ? (BigInt(Date.now()) << 16n).toString() : o.at;
  const whole = start.length === 0 && end.length === 0;
  const physicalMs = Number(BigInt(readTs) >> 16n);
  const versions = readTs === '0' ? 'all versions' : `visible at ts ${readTs}${physicalMs <= 8.64e15 ? ` (${new Date(physicalMs).toISOString()})` : ''}`;
  return {
    all: o.all === true,
    start,
    end,
    readTs,
    deadlineMs: o.deadlineMs ?? 10 * ctx.globals.timeoutMs,
    base: { start, end, readTs, maxKeys: o.maxKeys ?? 0 },
    scope: `${whole ? 'all keys' : `[${showStart(start)}, ${showEnd(end)})`}, ${versions}`,
  };
}

/**
 * VerifyRange on the first endpoint that answers (any node serves it): UNAVAILABLE
 * and NOT_LEADER move on to the next endpoint; anything else (DEADLINE_EXCEEDED
 * too: the verification is not started again) is final.
 */
async function verifyOnAnyNode(ctx: CtlContext, req: VerifyRangeRequest, deadlineMs: number): Promise<{ node: string; report: VerifyRangeResponse__Output }> {
  let last: KvError | undefined;
  for (const t of ctx.endpoints()) {
    try {
      return { node: t, report: await ctx.adminCall<VerifyRangeRequest, VerifyRangeResponse__Output>(t, 'verifyRange', req, deadlineMs) };
    } catch (e) {
      if (!(e instanceof KvError)) throw e;
      last = tagged(e, t);
      if (e.code !== 'UNAVAILABLE' && e.code !== 'NOT_LEADER') throw last;
    }
  }
  throw last ?? invalidArgument('endpoints', 'no endpoints given');
}

/** One group's verdict; INVALID_ARGUMENT (unknown group, bad range) is thrown, other failures make it UNVERIFIED. */
async function checkGroup(ctx: CtlContext, groupId: number, plan: VerifyPlan): Promise<GroupCheck> {
  try {
    const { node, report } = await verifyOnAnyNode(ctx, { ...plan.base, groupId }, plan.deadlineMs);
    return { groupId, verdict: verdictOf(report), node, report };
  } catch (e) {
    const err = e instanceof KvError ? e : new KvError('INTERNAL', e instanceof Error ? e.message : String(e));
    if (err.code === 'INVALID_ARGUMENT') throw err;
    return { groupId, verdict: 'UNVERIFIED', error: err };
  }
}

/** The groups of the cluster: every group some endpoint holds a replica of (NodeStatus of each endpoint). */
async function clusterGroups(ctx: CtlContext): Promise<{ groups: number[]; unreachable: string[] }> {
  const eps = ctx.endpoints();
  if (eps.length === 0) ctx.fail(invalidArgument('endpoints', 'no endpoints given'));
  const answers = await Promise.allSettled(eps.map((e) => ctx.adminCall<object, NodeStatusResponse__Output>(e, 'nodeStatus', {})));
  const ids = new Set<number>();
  const unreachable: string[] = [];
  answers.forEach((a, i) => {
    if (a.status === 'fulfilled') for (const gs of a.value.groups) ids.add(gs.groupId);
    else unreachable.push(eps[i]!);
  });
  if (unreachable.length === eps.length) ctx.fail(new KvError('UNAVAILABLE', `no node answered NodeStatus at ${eps.join(', ')}`));
  if (ids.size === 0) ctx.fail(new KvError('UNAVAILABLE', `the nodes that answered (${eps.filter((e) => !unreachable.includes(e)).join(', ')}) hold no group`));
  return { groups: [...ids].sort((a, b) => a - b), unreachable };
}

/** A cli-progress bar over the groups of `verify --all` (on a terminal), cleared when stopped. */
function groupBar(total: number, done: number, groupId: number, inconsistent: number): cliProgress.SingleBar {
  const since = Date.now();
  const bar = new cliProgress.SingleBar({
    ...BAR_LOOK,
    stream: process.stdout,
    clearOnComplete: true,
    format: (options, params) =>
      `verifying [${cliProgress.Format.BarFormat(params.progress, options)}] ${params.value}/${params.total} groups | group ${groupId} for ${fmtAge(Date.now() - since)}${inconsistent > 0 ? ` | ${inconsistent} inconsistent so far` : ''}`,
  });
  bar.start(total, done);
  return bar;
}

/** Verifies the groups one after another, printing each report as text (not with --json) when it is done. */
async function checkGroups(ctx: CtlContext, plan: VerifyPlan, groups: number[]): Promise<GroupCheck[]> {
  const json = ctx.globals.json;
  const tty = plan.all && !json && process.stdout.isTTY === true;
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
    else if (plan.all && !json) console.log(`${timeOfDay(Date.now())} verifying group ${gid} (${i + 1} of ${groups.length})`);
    let c: GroupCheck;
    try {
      c = await checkGroup(ctx, gid, plan);
    } catch (e) {
      stopBar();
      ctx.fail(e);
    }
    stopBar();
    checks.push(c);
    if (!json) console.log(`${checkText(c, plan.scope)}${plan.all ? '\n' : ''}`);
  }
  return checks;
}

/** The last line of the text report: the verdict over all groups. */
function verdictLine(plan: VerifyPlan, groups: number[], bad: number[], unverified: number[]): string {
  const n = groups.length;
  const notVerified = unverified.length > 0 ? `group${unverified.length > 1 ? 's' : ''} ${unverified.join(', ')} could not be verified` : '';
  if (bad.length > 0) {
    return `INCONSISTENT: the replicas differ in ${plural(bad.length, 'group')} ${bad.join(', ')}${plan.all ? ` (${bad.length} of ${n} groups)` : ''}${notVerified ? `; ${notVerified}` : ''}`;
  }
  if (unverified.length > 0) {
    const agree = n - unverified.length;
    return `UNVERIFIED: ${notVerified}${agree > 0 ? `; the replicas of the other ${agree} ${plural(agree, 'group')} agree` : ''}`;
  }
  return `CONSISTENT: ${n === 1 ? `group ${groups[0]}` : `all ${n} groups`}: the replicas agree`;
}

async function runVerify(ctx: CtlContext, o: VerifyOpts): Promise<never> {
  const plan = verifyPlan(ctx, o);
  const json = ctx.globals.json;
  const { groups, unreachable } = plan.all ? await clusterGroups(ctx) : { groups: [o.group!], unreachable: [] as string[] };
  if (!json && unreachable.length > 0) console.error(`ferryctl: no answer from ${unreachable.join(', ')}; verifying the groups the other nodes hold`);
  const checks = await checkGroups(ctx, plan, groups);
  const bad = checks.filter((c) => c.verdict === 'INCONSISTENT').map((c) => c.groupId);
  const unverified = checks.filter((c) => c.verdict === 'UNVERIFIED').map((c) => c.groupId);
  const exitCode = bad.length > 0 ? EXIT.failed : unverified.length > 0 ? EXIT.unavailable : EXIT.ok;
  if (json) {
    const out: VerifyJson = {
      consistent: exitCode === EXIT.ok,
      inconsistentGroups: bad,
      unverifiedGroups: unverified,
      unreachable,
      range: rangeJson(plan.start, plan.end),
      readTs: plan.readTs,
      groups: checks.map(checkGroupJson),
    };
    console.log(JSON.stringify(out));
  } else console.log(verdictLine(plan, groups, bad, unverified));
  process.exit(exitCode);
}

export function registerVerifyCommand(program: Command, ctx: CtlContext): void {
  program
    .command('verify')
    .description('compare every replica of a group (--group) or of every group (--all) at one read point: CONSISTENT or INCONSISTENT, replicas, differing keys')
    .option('--group <id>', 'the group to verify', uintOption(1, 2 ** 32 - 1))
    .option('--all', 'verify every group of the cluster (those the endpoints hold replicas of, per NodeStatus), one after another')
    .option('--start <key>', 'verify only keys >= START (default: the beginning of the key space)')
    .option('--end <key>', 'verify only keys < END (default: +infinity)')
    .option('--hex', '--start and --end are hex bytes (e.g. 00ff61) instead of UTF-8 text')
    .option('--at <ts>', 'compare the state visible at this HLC timestamp (per key the newest version at or before it; keys deleted by then are left out); a positive integer (e.g. a commit ts `put` printed), or "now" (this machine\'s clock)', atOption)
    .option('--all-versions', 'compare every stored version, tombstones included (the default)')
    .option('--max-keys <n>', 'list at most N differing versions per group, 1..100000 (default 100)', uintOption(1, 100_000))
    .option('--deadline-ms <ms>', 'deadline of each group\'s verification (default 10 x --timeout-ms)', uintOption(1, 2 ** 31 - 1))
    .addHelpText('after', VERIFY_HELP)
    .exitOverride(usageExit)
    .action((o: VerifyOpts) => runVerify(ctx, o));
}
