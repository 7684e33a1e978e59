// Migration jobs as operators drive them (Admin StartSplitMigration,
// Get/List/Abandon/Repair/WatchSplitJob), on the default group's leader: each
// change is a JOB command in its log (checked at apply: route busy, live-job
// cap), the migrator does the work (src/migration/migrator.ts).

import type * as grpc from '@grpc/grpc-js';
import { KvError, toServiceError } from '../api/errors.js';
import { encodeCommand, type JobCommand, type KvResult } from '../apply/commands.js';
import { checkKey } from '../kv/validate.js';
import { hex } from '../migration/group-state.js';
import { optionsFrom, toJobMessage } from '../migration/job-proto.js';
import { AFTER_RELEASE, PHASES, TERMINAL, checkOptions, decodeJob, encodeJob, newJob, type SplitJob } from '../migration/job.js';
import { toKvError } from '../node/errors.js';
import type { ListSplitJobsRequest__Output } from '../proto-gen/ferrykv/admin/v1/ListSplitJobsRequest.js';
import type { ListSplitJobsResponse } from '../proto-gen/ferrykv/admin/v1/ListSplitJobsResponse.js';
import type { SplitJob as SplitJobMsg } from '../proto-gen/ferrykv/admin/v1/SplitJob.js';
import type { StartSplitMigrationRequest__Output } from '../proto-gen/ferrykv/admin/v1/StartSplitMigrationRequest.js';
import type { GetSplitJobRequest__Output } from '../proto-gen/ferrykv/admin/v1/GetSplitJobRequest.js';
import { DEFAULT_GROUP, defaultLeader, proposeOnLeader, withTimeout, type NodeContext } from './context.js';
import { LOCAL_BACKOFF, backoffMs, sleep } from '../runtime/backoff.js';

/** Live migration jobs at most (checked in the default group's apply). */
const MAX_LIVE_JOBS = 4;

/** Proposes a job command on the default group's leader; a refusal as its typed error. */
async function proposeJob(ctx: NodeContext, job: JobCommand): Promise<KvResult> {
  const res = await proposeOnLeader(ctx, DEFAULT_GROUP, encodeCommand({ kind: 'JOB', requestId: new Uint8Array(0), proposedTs: 0n, job }));
  if (res.errorCode) throw new KvError(res.errorCode as KvError['code'], res.errorMessage ?? res.errorCode);
  return res;
}

export async function startMigration(ctx: NodeContext, req: StartSplitMigrationRequest__Output): Promise<SplitJobMsg> {
  const { sm } = defaultLeader(ctx);
  const target = req.targetGroup;
  if (!ctx.cfg.cluster.groups.some((g) => g.id === target)) throw new KvError('INVALID_ARGUMENT', `target_group: group ${target} does not exist`, { field: 'target_group' });
  const options = optionsFrom(req.options);
  const problems = checkOptions(options);
  if (problems.length > 0) throw new KvError('INVALID_ARGUMENT', problems.join('; '), { field: 'options' });
  let routeId = Number(req.routeId);
  if (req.splitKey.byteLength > 0) {
    if (routeId !== 0) throw new KvError('INVALID_ARGUMENT', 'give route_id or split_key, not both', { field: 'split_key' });
    const key = checkKey('split_key', req.splitKey);
    await ctx.kv.catalogCommand('SplitRange', { splitKey: key }, 0, DEFAULT_GROUP, { kind: 'SPLIT', splitKey: key });
    routeId = sm.catalog!.lookup(key).routeId;
  }
  const route = sm.catalog!.list().find((r) => r.routeId === routeId);
  if (!route) throw new KvError('INVALID_ARGUMENT', `route_id: route ${routeId} does not exist (list routes)`, { field: 'route_id' });
  if (route.groupId === target) throw new KvError('INVALID_ARGUMENT', `target_group: route ${routeId} is already served by group ${target}`, { field: 'target_group' });
  const record = newJob({ routeId, sourceGroup: route.groupId, targetGroup: target, start: hex(route.start), end: hex(route.end), createdAt: Date.now(), options });
  const res = await proposeJob(ctx, { kind: 'CREATE', recordJson: encodeJob(record), maxLiveJobs: MAX_LIVE_JOBS });
  const job = decodeJob(res.stateJson!);
  ctx.log.info({ jobId: job.jobId, routeId, from: job.sourceGroup, to: target, options }, 'migration job created');
  return toJobMessage(job);
}

export async function jobOf(ctx: NodeContext, jobId: number): Promise<SplitJob> {
  const { r, sm } = defaultLeader(ctx);
  await withTimeout(ctx, r.readBarrier(), 'default-group read barrier');
  const j = sm.splitJobs.get(jobId);
  if (!j) throw new KvError('INVALID_ARGUMENT', `job_id: job ${jobId} does not exist`, { field: 'job_id' });
  return j;
}

export async function listJobs(ctx: NodeContext, req: ListSplitJobsRequest__Output): Promise<ListSplitJobsResponse> {
  const { r, sm } = defaultLeader(ctx);
  await withTimeout(ctx, r.readBarrier(), 'default-group read barrier');
  if (!Number.isInteger(req.limit) || req.limit < 0 || req.limit > 1000) throw new KvError('INVALID_ARGUMENT', `limit: must be 0 (default 100) to 1000 (got ${req.limit})`, { field: 'limit' });
  const limit = req.limit === 0 ? 100 : req.limit;
  const bad = req.phases.find((p) => !(PHASES as readonly string[]).includes(p));
  if (bad) throw new KvError('INVALID_ARGUMENT', `phases: unknown phase ${bad}`, { field: 'phases' });
  const after = Number(req.afterJobId);
  const all = [...sm.splitJobs.values()].filter((j) => j.jobId > after && (req.phases.length === 0 || req.phases.includes(j.phase))).sort((a, b) => a.jobId - b.jobId);
  const page = all.slice(0, limit);
  return { jobs: page.map(toJobMessage), nextAfterJobId: all.length > limit ? String(page[page.length - 1]!.jobId) : '0' };
}

export async function abandonJob(ctx: NodeContext, jobId: number): Promise<SplitJobMsg> {
  for (let i = 0; i < 20; i++) {
    const j = await jobOf(ctx, jobId);
    if (TERMINAL.has(j.phase) || j.abandonRequested) return toJobMessage(j);
    if (AFTER_RELEASE.has(j.phase)) throw new KvError('INVALID_ARGUMENT', `job ${jobId} is ${j.phase}: the source released the range; the job can only roll forward`, { field: 'job_id', reason: 'released' });
    const res = await proposeOnLeader(
      ctx,
      DEFAULT_GROUP,
      encodeCommand({ kind: 'JOB', requestId: new Uint8Array(0), proposedTs: 0n, job: { kind: 'UPDATE', recordJson: encodeJob({ ...j, abandonRequested: true, updatedAt: Date.now() }), expectedVersion: j.version } }),
    );
    if (!res.errorCode) {
      ctx.log.warn({ jobId, phase: j.phase }, 'migration job abandon requested');
      return toJobMessage(decodeJob(res.stateJson!));
    }
    await sleep(backoffMs(LOCAL_BACKOFF, i));
  }
  throw new KvError('UNAVAILABLE', `job ${jobId} kept changing; retry`, { retryAfterMs: 100 });
}

export async function repairJob(ctx: NodeContext, jobId: number): Promise<SplitJobMsg> {
  const j = await jobOf(ctx, jobId);
  if (j.phase !== 'FAILED' || j.retreatedFrom !== 'VERIFY') {
    throw new KvError('INVALID_ARGUMENT', `job ${j.jobId} is ${j.phase}${j.retreatedFrom ? ` (from ${j.retreatedFrom})` : ''}: only a job that failed verification can be repaired`, { field: 'job_id' });
  }
  const res = await proposeJob(ctx, { kind: 'UPDATE', recordJson: encodeJob({ ...j, phase: 'VERIFY', repair: true, updatedAt: Date.now() }), expectedVersion: j.version });
  ctx.log.warn({ jobId: j.jobId }, 'migration job repair requested (RepairFromSource)');
  return toJobMessage(decodeJob(res.stateJson!));
}

/** Streams a job's record on every change until it ends (or this node stops leading the default group). */
export function watchJob(ctx: NodeContext, call: grpc.ServerWritableStream<GetSplitJobRequest__Output, SplitJobMsg>): void {
  const jobId = Number(call.request.jobId);
  jobOf(ctx, jobId).then(
    (j) => {
      const { sm } = defaultLeader(ctx);
      call.write(toJobMessage(j));
      if (TERMINAL.has(j.phase)) return call.end();
      const stop = (): void => {
        unsubscribe();
        clearInterval(check);
        ctx.closers.delete(closer);
      };
      const closer = (): void => {
        stop();
        call.end();
      };
      const unsubscribe = sm.onJobChange((u) => {
        if (u.jobId !== jobId || call.cancelled) return;
        call.write(toJobMessage(u));
        if (TERMINAL.has(u.phase)) closer();
      });
      const check = setInterval(() => {
        if (ctx.host.replica(DEFAULT_GROUP)?.isLeader() === true && !ctx.stopping()) return;
        stop();
        call.emit('error', toServiceError(new KvError('UNAVAILABLE', 'this node stopped leading the default group; watch again', { retryAfterMs: 200 })));
      }, 500);
      ctx.closers.add(closer);
      call.on('cancelled', stop);
    },
    (e: unknown) => call.emit('error', toServiceError(toKvError(e))),
  );
}
