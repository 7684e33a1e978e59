// ferryctl's `job` commands (start, get, list, watch, abandon) against a real
// 3-node, 3-group cluster (routes ["", "h") → 1, ["h", "p") → 2, ["p", +∞) → 3):
// the built CLI (dist/cmd/ferryctl.js) run as a child process, always given a
// follower of the default group first (so every job call follows NOT_LEADER).
// Three jobs: route 3 moves to group 2 (DONE, then abandon is a no-op); a
// --split-key job started with --watch, paused in CLEANUP where abandon is
// refused; a job paused in BACKFILL, abandoned, whose watch survives a
// default-group leader change and exits 1 on ABANDONED.

import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { ErrorJson, JobAbandonJson, JobJson, JobListJson } from '../../cmd/ferryctl/output.js';
import { FerryClient, KvError } from '../../src/client/client.js';
import type { SplitJob__Output } from '../../src/proto-gen/ferrykv/admin/v1/SplitJob.js';
import { TestCluster, sleep, waitFor } from '../../testkit/cluster.js';
import { runCtl, type CtlRun } from './ferryctl-run.js';

let c: TestCluster;
let keepLogs = process.env.FERRYKV_IT_KEEP_LOGS === '1';
const keepOnFailure = (): void =>
  onTestFailed(() => {
    keepLogs = true;
  });

/** Endpoints with the default group's followers first. */
async function followersFirst(): Promise<string> {
  const lead = await c.leaderOf(1);
  return [1, 2, 3].sort((a, b) => Number(a === lead) - Number(b === lead)).map((id) => c.address(id)).join(',');
}

let eps = '';

/** Runs the built CLI against the cluster; resolves with its exit code and output. */
function ctl(args: string[], timeoutMs = 15_000): Promise<CtlRun> {
  return runCtl(eps, args, { timeoutMs });
}

async function ctlJson<T>(...args: string[]): Promise<T> {
  const r = await ctl([...args, '--json']);
  expect(r.code, `ferryctl ${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(0);
  return JSON.parse(r.stdout) as T;
}

const jsonLines = (s: string): JobJson[] =>
  s
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as JobJson);

/** Versions strictly increase (no repeats across reconnects). */
function expectIncreasing(lines: readonly JobJson[]): void {
  for (let i = 1; i < lines.length; i++) expect(BigInt(lines[i]!.version), `line ${i}`).toBeGreaterThan(BigInt(lines[i - 1]!.version));
}

/** The job through the admin API (cheaper than the CLI for polling). */
async function phaseOf(jobId: string): Promise<SplitJob__Output> {
  for (;;) {
    try {
      return await c.adminApi(await c.leaderOf(1)).getSplitJob({ jobId });
    } catch (e) {
      if (!(e instanceof KvError) || !['NOT_LEADER', 'UNAVAILABLE'].includes(e.code)) throw e;
      await sleep(100);
    }
  }
}

const waitPhase = (jobId: string, phase: string): Promise<SplitJob__Output> =>
  waitFor(`job ${jobId} in ${phase}`, async () => {
    const j = await phaseOf(jobId);
    return j.phase === phase ? j : undefined;
  }, 20_000);

/** The default group's leader pauses its migrator before working on a job in `phase` ('' : never). */
async function pauseAt(node: number, phase: string): Promise<void> {
  await c.adminApi(node).setFaults({ pauseMigrationAt: phase });
}

const keys = [...Array.from({ length: 300 }, (_, i) => `q/${String(i).padStart(4, '0')}`), ...Array.from({ length: 40 }, (_, i) => `x/${String(i).padStart(3, '0')}`)];

describe('ferryctl job on a 3-node, 3-group cluster', () => {
  beforeAll(async () => {
    c = await TestCluster.start({ nodes: 3, groups: 3 });
    eps = await followersFirst();
    const db = new FerryClient({ endpoints: [1, 2, 3].map((id) => c.address(id)), timeoutMs: 10_000 });
    for (let i = 0; i < keys.length; i += 100) await db.batchWrite(keys.slice(i, i + 100).map((k) => ({ op: 'put' as const, key: k, value: `${k}:${'v'.repeat(100)}` })));
    db.close();
  }, 30_000);

  afterAll(async () => {
    if (keepLogs) console.error(`ferryctl-jobs: node logs kept in ${c?.dir}`);
    await c?.cleanup(keepLogs);
  });

  it('bad input exits 2 (usage) and says why; an unknown job exits 3', async () => {
    keepOnFailure();
    const [badId, zeroId, noTo, both, phase, chunk, unknown, unknownJson] = await Promise.all([
      ctl(['job', 'get', 'abc']),
      ctl(['job', 'watch', '0', '--json']),
      ctl(['job', 'start', '--route', '3']),
      ctl(['job', 'start', '--route', '3', '--split-key', 'q', '--to', '2']),
      ctl(['job', 'list', '--phase', 'DONE,NOPE']),
      ctl(['job', 'start', '--route', '3', '--to', '2', '--chunk-bytes', '12']),
      ctl(['job', 'get', '4242']),
      ctl(['job', 'abandon', '4242', '--json']),
    ]);
    expect(badId.code).toBe(2);
    expect(badId.stderr).toMatch(/INVALID_ARGUMENT: job id: "abc" is not a job id/);
    expect(zeroId.code).toBe(2);
    expect(JSON.parse(zeroId.stdout) as ErrorJson).toMatchObject({ error: { code: 'INVALID_ARGUMENT', field: 'job id' } });
    expect(noTo.code).toBe(2);
    expect(noTo.stderr).toMatch(/required option '--to <group>' not specified/);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/exactly one of --route <id> and --split-key <key>/);
    expect(phase.code).toBe(2);
    expect(phase.stderr).toMatch(/unknown phase NOPE/);
    expect(chunk.code).toBe(2);
    expect(chunk.stderr).toMatch(/--chunk-bytes <n>' argument '12' is invalid\. must be in \[4096, 16777216\]/);
    expect(unknown.code, unknown.stderr).toBe(3);
    expect(unknown.stderr).toMatch(/job 4242 does not exist/);
    expect(unknownJson.code).toBe(3);
    expect(JSON.parse(unknownJson.stdout) as ErrorJson).toMatchObject({ error: { code: 'INVALID_ARGUMENT', field: 'job_id' } });
    // A cluster-side refusal (the route is already in that group) is a usage error too.
    const same = await ctl(['job', 'start', '--route', '3', '--to', '3']);
    expect(same.code).toBe(2);
    expect(same.stderr).toMatch(/already served by group 3/);
  });

  let first = '';

  it('start --route 3 --to 2, watch --json to DONE, get, list; abandon on the DONE job changes nothing', async () => {
    keepOnFailure();
    const started = await ctlJson<JobJson>('job', 'start', '--route', '3', '--to', '2', '--cleanup-grace-ms', '0');
    expect(started).toMatchObject({ routeId: '3', sourceGroup: 3, targetGroup: 2, start: 'p', startHex: '70', end: '', endHex: '', phase: 'CLEAR_TARGET' });
    first = started.jobId;
    expect(first).toMatch(/^[1-9][0-9]*$/);

    const watch = await ctl(['job', 'watch', first, '--json'], 20_000);
    expect(watch.code, watch.stdout + watch.stderr).toBe(0);
    const lines = jsonLines(watch.stdout);
    expectIncreasing(lines);
    expect(lines.at(-1)!.phase).toBe('DONE');
    expect(lines.every((l) => l.jobId === first)).toBe(true);

    const done = await ctlJson<JobJson>('job', 'get', first);
    expect(done.phase).toBe('DONE');
    expect(done.verifyResult).toMatch(/^ok/);
    expect(done.progress).not.toBeNull();
    const progress = done.progress!;
    expect(Number(progress.backfillRows)).toBeGreaterThanOrEqual(keys.length);
    expect(progress.fenceWindowsMs.length).toBeGreaterThanOrEqual(1);

    const human = await ctl(['job', 'get', first]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain(`job ${first}: route 3 [p, +inf), group 3 → group 2`);
    expect(human.stdout).toMatch(/^ {2}phase +DONE$/m);
    expect(human.stdout).toMatch(new RegExp(`^ {2}copied +${progress.backfillRows} rows, `, 'm'));
    expect(human.stdout).toMatch(/^ {2}verify +ok/m);
    expect(human.stdout).toMatch(/^ {2}fence +write-unavailable windows: \d+ ms/m);

    // Watching a job that already ended: one line, the summary, then how it ended.
    const again = await ctl(['job', 'watch', first]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`Z job ${first} DONE attempt 1: copied \\d+ rows`));
    expect(again.stdout).toMatch(new RegExp(`^job ${first} summary:\n {2}outcome +DONE\n {2}duration +\\S+ \\(created [0-9:]+Z, ended [0-9:]+Z\\)\n {2}copied +${progress.backfillRows} rows, `, 'm'));
    expect(again.stdout.trimEnd().split('\n').at(-1)).toMatch(new RegExp(`^job ${first} DONE: route 3 \\[p, \\+inf\\) moved from group 3 to group 2 in \\S+ \\(verify: ok`));

    const list = await ctlJson<JobListJson>('job', 'list');
    expect(list.jobs.map((j) => [j.jobId, j.phase])).toEqual([[first, 'DONE']]);
    expect(list.more).toBe(false);
    const table = await ctl(['job', 'list']);
    expect(table.code, table.stderr).toBe(0);
    const rows = table.stdout.trimEnd().split('\n');
    expect(rows[0]).toBe('1 job');
    expect(rows[1]!.split(/\s+/)).toEqual(['JOB', 'ROUTE', 'FROM→TO', 'PHASE', 'ATTEMPT', 'COPIED', 'UPDATED', 'ERROR']);
    expect(rows[2]).toMatch(new RegExp(`^${first} +3 +3→2 +DONE +1 +${progress.backfillRows} rows \\S+ \\S+ +\\S+ ago +-$`));

    // Abandon on a DONE job: the server returns it unchanged; ferryctl says so and exits 0.
    const ab = await ctl(['job', 'abandon', first]);
    expect(ab.code, ab.stderr).toBe(0);
    expect(ab.stdout).toContain(`job ${first} already ended DONE: nothing to abandon, the job is unchanged; route 3 is served by group 2`);
    const abJson = await ctlJson<JobAbandonJson>('job', 'abandon', first);
    expect(abJson.outcome).toBe('already-ended');
    expect({ phase: abJson.job.phase, version: abJson.job.version, abandonRequested: abJson.job.abandonRequested }).toEqual({ phase: 'DONE', version: done.version, abandonRequested: false });
  });

  let second = '';

  it('start --split-key --watch: abandon is refused once the source released the range (exit 2), then the watch ends DONE', async () => {
    keepOnFailure();
    const lead = await c.leaderOf(1);
    await pauseAt(lead, 'CLEANUP');
    try {
      const bg = ctl(['job', 'start', '--split-key', 'x', '--to', '1', '--cleanup-grace-ms', '0', '--watch', '--json'], 25_000);
      const j = await waitFor('the split-key job', async () => (await c.adminApi(lead).listSplitJobs({ phases: ['CLEANUP'] })).jobs[0], 20_000);
      second = j.jobId;
      const refused = await ctl(['job', 'abandon', second]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(new RegExp(`^ferryctl: job ${second} cannot be abandoned: .*CLEANUP: the source released the range; the job can only roll forward`));
      const refusedJson = await ctl(['job', 'abandon', second, '--json']);
      expect(refusedJson.code).toBe(2);
      expect(JSON.parse(refusedJson.stdout) as ErrorJson).toMatchObject({ error: { code: 'INVALID_ARGUMENT', field: 'job_id', reason: 'released' } });
      await pauseAt(lead, '');
      const r = await bg;
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const lines = jsonLines(r.stdout);
      expectIncreasing(lines);
      expect(lines[0]).toMatchObject({ jobId: second, phase: 'CLEAR_TARGET', start: 'x', startHex: '78', end: '', sourceGroup: 2, targetGroup: 1 });
      expect(lines.at(-1)).toMatchObject({ jobId: second, phase: 'DONE' });
      expect(lines.at(-1)!.verifyResult).toMatch(/^ok/);
    } finally {
      await pauseAt(lead, '');
    }
  });

  it('abandon a copying job: its watch follows a default-group leader change and exits 1 on ABANDONED', async () => {
    keepOnFailure();
    const lead = await c.leaderOf(1);
    await pauseAt(lead, 'BACKFILL');
    try {
      const started = await ctlJson<JobJson>('job', 'start', '--route', '3', '--to', '3');
      expect(started).toMatchObject({ start: 'p', end: 'x', sourceGroup: 2, targetGroup: 3 });
      await waitPhase(started.jobId, 'BACKFILL');
      const bg = ctl(['job', 'watch', started.jobId, '--json'], 25_000);
      const ab = await ctl(['job', 'abandon', started.jobId]);
      expect(ab.code, ab.stderr).toBe(0);
      expect(ab.stdout).toContain(`abandon requested: job ${started.jobId} (phase BACKFILL) retreats to ABANDONED; route 3 [p, x) stays with group 2`);
      await sleep(300);
      // The paused migrator is on `lead`: moving the leadership hands the job to an unpaused one (and breaks the watch).
      const to = [1, 2, 3].find((n) => n !== lead)!;
      await c.adminApi(lead).transferLeader({ groupId: 1, toNodeId: to });
      const r = await bg;
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stderr).toMatch(/reconnecting to /);
      const lines = jsonLines(r.stdout);
      expectIncreasing(lines);
      expect(lines.at(-1)).toMatchObject({ jobId: started.jobId, phase: 'ABANDONED' });
      expect(lines.some((l) => l.abandonRequested)).toBe(true);

      const human = await ctl(['job', 'watch', started.jobId]);
      expect(human.code).toBe(1);
      expect(human.stdout.trimEnd().split('\n').at(-1)).toMatch(new RegExp(`^job ${started.jobId} ABANDONED after \\S+: route 3 \\[p, x\\) stays with group 2`));

      // Paging: one job per request still gets all three; --limit cuts the list and says so.
      const all = await ctlJson<JobListJson>('job', 'list', '--page-size', '1');
      expect(all.jobs.map((j) => [j.jobId, j.phase])).toEqual([
        [first, 'DONE'],
        [second, 'DONE'],
        [started.jobId, 'ABANDONED'],
      ]);
      expect(all.more).toBe(false);
      const two = await ctlJson<JobListJson>('job', 'list', '--limit', '2', '--page-size', '1');
      expect({ ids: two.jobs.map((j) => j.jobId), more: two.more, next: two.nextAfterJobId }).toEqual({ ids: [first, second], more: true, next: second });
      const abandoned = await ctlJson<JobListJson>('job', 'list', '--phase', 'abandoned,failed');
      expect(abandoned.jobs.map((j) => j.jobId)).toEqual([started.jobId]);
      const none = await ctl(['job', 'list', '--phase', 'BACKFILL']);
      expect(none.code).toBe(0);
      expect(none.stdout.trim()).toBe('(no jobs in BACKFILL)');
    } finally {
      await pauseAt(lead, '');
    }

    // Every key is still there, wherever it lives now.
    const db = new FerryClient({ endpoints: [1, 2, 3].map((id) => c.address(id)), timeoutMs: 10_000 });
    const seen: string[] = [];
    for await (const row of db.scan({ start: 'q/', end: 'y', pageSize: 1000 })) seen.push(Buffer.from(row.key).toString('utf8'));
    db.close();
    expect(seen).toEqual(keys);
  });
});
