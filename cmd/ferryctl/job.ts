// `ferryctl job start|get|list|watch|abandon`: migration jobs, which move a
// route (a key range) live to another group. Every call goes to the default
// group's leader (job-client.ts); a job that does not exist exits 3.

import { InvalidArgumentError, type Command } from 'commander';
import { KvError, invalidArgument } from '../../src/api/errors.js';
import { DEFAULT_OPTIONS, OPTION_BOUNDS, PHASES } from '../../src/migration/job.js';
import type { JobOptions } from '../../src/proto-gen/ferrykv/admin/v1/JobOptions.js';
import type { ListSplitJobsResponse__Output } from '../../src/proto-gen/ferrykv/admin/v1/ListSplitJobsResponse.js';
import type { SplitJob__Output } from '../../src/proto-gen/ferrykv/admin/v1/SplitJob.js';
import type { StartSplitMigrationRequest } from '../../src/proto-gen/ferrykv/admin/v1/StartSplitMigrationRequest.js';
import { EXIT, isPositiveUint64, uintOption, usageExit, type CtlContext } from './context.js';
import { KEY_HELP, fmtAge, fmtBytes, table } from './format.js';
import { JobClient, failJob } from './job-client.js';
import { isTerminal, jobHead, jobJson, jobSummary, progressOf, rangeOf } from './job-text.js';
import { runWatch } from './job-watch.js';
import type { JobAbandonJson, JobListJson } from './output.js';

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

const JOB_HELP = `
A job moves through CLEAR_TARGET, CAPTURE, BACKFILL (copy), CATCHUP (replay the
change log), FENCE, FINAL_DELTA, CUTOVER, VERIFY, CLEANUP to DONE; writes to the
range pause only between FENCE and CUTOVER. An abandoned job retreats through
ABANDONING to ABANDONED (the source keeps the range); one that runs out of
attempts ends FAILED.`;

const START_HELP = `
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
or group, route already in that group), 4 no leader answered.`;

const GET_HELP = `
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
answered, 1 other errors.`;

const LIST_HELP = `
COPIED is rows and bytes copied by BACKFILL; UPDATED is the time since the job
record last changed; ERROR is the last error ("-": none). The cluster keeps
live and FAILED jobs, and the last 1000 DONE or ABANDONED ones.

--json: {"jobs": [job, ...], "more": bool, "nextAfterJobId"}: each job as in
\`job get --json\`; "more" says --limit cut the list short ("nextAfterJobId" is
then the last id printed, "0" otherwise).

${JOB_ROUTING_HELP}

Exit codes: 0 ok (also when no job matches), 2 usage (unknown phase, bad
number), 4 no leader answered, 1 other errors.`;

const WATCH_HELP = `
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
that is not a positive integer), 3 no such job, 4 gave up reconnecting.`;

const ABANDON_HELP = `
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
such job, 4 no leader answered, 1 other errors.`;

const boundOption = (k: keyof typeof OPTION_BOUNDS): ((v: string) => number) => uintOption(...OPTION_BOUNDS[k]);

/** A job id argument: a positive decimal integer (as `job list` prints it). */
function jobIdArg(ctx: CtlContext, v: string): string {
  if (!isPositiveUint64(v)) ctx.fail(invalidArgument('job id', `"${v}" is not a job id (a positive integer, as \`ferryctl job list\` prints)`));
  return BigInt(v).toString();
}

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

/** The StartSplitMigration request `job start` sends; bad combinations of options fail as usage errors. */
function startRequest(ctx: CtlContext, o: StartOpts): StartSplitMigrationRequest {
  if ((o.route === undefined) === (o.splitKey === undefined)) ctx.fail(invalidArgument('route', 'give exactly one of --route <id> and --split-key <key>'));
  if (o.hex && o.splitKey === undefined) ctx.fail(invalidArgument('hex', '--hex applies to --split-key'));
  let key: Buffer = Buffer.alloc(0);
  if (o.splitKey !== undefined) {
    key = ctx.keyArg('split_key', o.splitKey, o.hex);
    if (key.length === 0) ctx.fail(invalidArgument('split_key', 'must not be empty (use --route to move a whole route)'));
  }
  if (o.route !== undefined && !isPositiveUint64(o.route)) {
    ctx.fail(invalidArgument('route', `"${o.route}" is not a route id (a positive integer, ROUTE in \`ferryctl routes list\`)`));
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
  return { routeId: o.route !== undefined ? BigInt(o.route).toString() : '0', splitKey: key, targetGroup: o.to, options };
}

function registerStart(job: Command, ctx: CtlContext, jobs: JobClient): void {
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
    .addHelpText('after', START_HELP)
    .exitOverride(usageExit)
    .action(async (o: StartOpts) => {
      const req = startRequest(ctx, o);
      let j: SplitJob__Output;
      try {
        j = await jobs.call<StartSplitMigrationRequest, SplitJob__Output>('startSplitMigration', req, false);
      } catch (e) {
        if (e instanceof KvError && ['ABORTED', 'DEADLINE_EXCEEDED', 'UNKNOWN_RESULT'].includes(e.code)) {
          ctx.fail(new KvError(e.code, `${e.message} (a job for this range may already exist: ferryctl job list)`, e.detail));
        }
        ctx.fail(e);
      }
      if (ctx.globals.json) console.log(JSON.stringify(jobJson(j)));
      else {
        console.log(`started ${jobHead(j)}, phase ${j.phase}`);
        if (!o.watch) console.log(`follow it: ferryctl job watch ${j.jobId}`);
      }
      if (o.watch) await runWatch(ctx, jobs, j.jobId, BigInt(j.version));
    });
}

function registerGet(job: Command, ctx: CtlContext, jobs: JobClient): void {
  job
    .command('get <id>')
    .description('one job: range, source → target, phase, attempt, progress, estimate, ETA, stall, fence windows, verify result, last error, age')
    .addHelpText('after', GET_HELP)
    .exitOverride(usageExit)
    .action(async (idArg: string) => {
      const jobId = jobIdArg(ctx, idArg);
      let j: SplitJob__Output;
      try {
        j = await jobs.call<object, SplitJob__Output>('getSplitJob', { jobId });
      } catch (e) {
        failJob(ctx, e);
      }
      ctx.out(jobSummary(j), jobJson(j));
    });
}

/** A --phase value: comma-separated phases, case-insensitive, added to those of an earlier --phase. */
function phasesOption(v: string, prev: string[] | undefined): string[] {
  const ps = v
    .split(',')
    .map((p) => p.trim().toUpperCase())
    .filter(Boolean);
  const bad = ps.filter((p) => !(PHASES as readonly string[]).includes(p));
  if (bad.length > 0 || ps.length === 0) throw new InvalidArgumentError(`unknown phase ${bad.join(', ') || '(none given)'}; phases: ${PHASES.join(', ')}`);
  return [...(prev ?? []), ...ps];
}

interface ListOpts {
  phase?: string[];
  limit: number;
  pageSize: number;
}

/** Pages of ListSplitJobs until --limit or the last job; `more` says the list was cut short. */
async function listJobs(ctx: CtlContext, jobs: JobClient, o: ListOpts): Promise<{ list: SplitJob__Output[]; more: boolean }> {
  const list: SplitJob__Output[] = [];
  let after = '0';
  let more = false;
  try {
    for (;;) {
      const want = Math.min(o.pageSize, o.limit - list.length);
      const page = await jobs.call<object, ListSplitJobsResponse__Output>('listSplitJobs', { phases: o.phase ?? [], afterJobId: after, limit: want });
      list.push(...page.jobs.slice(0, want));
      more = page.nextAfterJobId !== '0' && page.nextAfterJobId !== '';
      if (!more || page.jobs.length === 0) break;
      after = page.nextAfterJobId;
      if (list.length >= o.limit) break;
    }
  } catch (e) {
    ctx.fail(e);
  }
  return { list, more };
}

function listText(list: SplitJob__Output[], more: boolean, o: ListOpts, now: number): string {
  const filter = o.phase ? ` in ${o.phase.join(', ')}` : '';
  if (list.length === 0) return `(no jobs${filter})`;
  const head = ['JOB', 'ROUTE', 'FROM→TO', 'PHASE', 'ATTEMPT', 'COPIED', 'UPDATED', 'ERROR'];
  const rows = list.map((j) => {
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
  return [`${list.length} job${list.length === 1 ? '' : 's'}${filter}${more ? ` (more: raise --limit above ${o.limit})` : ''}`, ...table(head, rows)].join('\n');
}

function registerList(job: Command, ctx: CtlContext, jobs: JobClient): void {
  job
    .command('list')
    .description('jobs in id order as a table: JOB, ROUTE, FROM→TO, PHASE, ATTEMPT, COPIED, UPDATED, ERROR')
    .option('--phase <phases>', `only jobs in these phases, comma-separated (case-insensitive): ${PHASES.join(', ')}`, phasesOption)
    .option('--limit <n>', 'print at most N jobs, the lowest ids first', uintOption(1, 1_000_000), 1000)
    .option('--page-size <n>', 'jobs per request, 1..1000; pages are fetched until --limit or the last job', uintOption(1, 1000), 1000)
    .addHelpText('after', LIST_HELP)
    .exitOverride(usageExit)
    .action(async (o: ListOpts) => {
      const { list, more } = await listJobs(ctx, jobs, o);
      const json: JobListJson = { jobs: list.map(jobJson), more, nextAfterJobId: more ? list.at(-1)!.jobId : '0' };
      ctx.out(listText(list, more, o, Date.now()), json);
    });
}

function registerWatch(job: Command, ctx: CtlContext, jobs: JobClient): void {
  job
    .command('watch <id>')
    .description('follow a job until it ends: exit 0 when DONE, 1 when FAILED or ABANDONED')
    .addHelpText('after', WATCH_HELP)
    .exitOverride(usageExit)
    .action(async (idArg: string) => {
      await runWatch(ctx, jobs, jobIdArg(ctx, idArg));
    });
}

function printAbandoned(ctx: CtlContext, j: SplitJob__Output): void {
  if (isTerminal(j.phase)) {
    const undo = j.phase === 'DONE' ? `; route ${j.routeId} is served by group ${j.targetGroup} (to move it back: ferryctl job start --route ${j.routeId} --to ${j.sourceGroup})` : '';
    const json: JobAbandonJson = { outcome: 'already-ended', job: jobJson(j) };
    ctx.out(`job ${j.jobId} already ended ${j.phase}: nothing to abandon, the job is unchanged${undo}`, json);
  } else {
    const json: JobAbandonJson = { outcome: 'abandon-requested', job: jobJson(j) };
    ctx.out(
      `abandon requested: job ${j.jobId} (phase ${j.phase}) retreats to ABANDONED; route ${j.routeId} ${rangeOf(j)} stays with group ${j.sourceGroup}. Follow it: ferryctl job watch ${j.jobId}`,
      json,
    );
  }
}

function registerAbandon(job: Command, ctx: CtlContext, jobs: JobClient): void {
  job
    .command('abandon <id>')
    .description('ask a job to retreat: the source keeps the range and the target drops what it copied')
    .addHelpText('after', ABANDON_HELP)
    .exitOverride(usageExit)
    .action(async (idArg: string) => {
      const jobId = jobIdArg(ctx, idArg);
      let j: SplitJob__Output;
      try {
        j = await jobs.call<object, SplitJob__Output>('abandonSplitJob', { jobId });
      } catch (e) {
        if (e instanceof KvError && e.code === 'INVALID_ARGUMENT' && e.detail.reason !== undefined && e.detail.field === 'job_id' && !ctx.globals.json) {
          console.error(`ferryctl: job ${jobId} cannot be abandoned: ${e.message}`);
          process.exit(EXIT.usage);
        }
        failJob(ctx, e);
      }
      printAbandoned(ctx, j);
    });
}

export function registerJobCommands(program: Command, ctx: CtlContext): void {
  const jobs = new JobClient(ctx);
  const job = program
    .command('job')
    .description('migration jobs: move a route (a key range) to another group, live; follow, list, abandon')
    .addHelpText('after', JOB_HELP)
    .exitOverride(usageExit);
  registerStart(job, ctx, jobs);
  registerGet(job, ctx, jobs);
  registerList(job, ctx, jobs);
  registerWatch(job, ctx, jobs);
  registerAbandon(job, ctx, jobs);
}
