// JOB: creates or updates a migration job record in the default group.
// Creation checks, here in apply, that the route exists, is not busy, and the
// live-job cap is not reached — so concurrent admin calls cannot both pass —
// and marks the route MOVING in the same command. An update applies only at
// the expected version, with its catalog change (cutover, abandon) atomically.

import { EMPTY_RESULT, type KvResult } from '../../apply/commands.js';
import { rejected } from '../../apply/group-machine.js';
import type { ApplyContext, CommandHandler } from '../../apply/handler.js';
import { CATALOG, catalogRefusal, type CatalogState } from '../../distribution/catalog-state.js';
import type { CatalogCommand } from '../../routing/catalog.js';
import { hex } from '../group-state.js';
import { AFTER_RELEASE, TERMINAL, decodeJob, encodeJob, type SplitJob } from '../job.js';
import { JOB_RECORDS, type JobRecords } from '../job-records.js';
import type { JobCommand } from '../../apply/commands.js';

/** Applies a catalog change of a job command; a refusal as a result. */
function catalogChange(ctx: ApplyContext, catalog: CatalogState, c: CatalogCommand): KvResult | undefined {
  const res = catalog.change(ctx.batch, c);
  return res.ok ? undefined : catalogRefusal(res);
}

function create(ctx: ApplyContext, records: JobRecords, catalog: CatalogState, jc: JobCommand, rec: SplitJob): KvResult {
  const route = catalog.catalog!.list().find((r) => r.routeId === rec.routeId);
  if (!route) return rejected('INVALID_ARGUMENT', `route ${rec.routeId} does not exist (it may have been split: list routes again)`);
  if (route.state !== 'ACTIVE') return rejected('ABORTED', `route busy: route ${rec.routeId} is ${route.state}`);
  if (route.groupId !== rec.sourceGroup) return rejected('ABORTED', `route ${rec.routeId} is served by group ${route.groupId}, not ${rec.sourceGroup}`);
  if (route.groupId === rec.targetGroup) return rejected('INVALID_ARGUMENT', `target_group: route ${rec.routeId} is already in group ${rec.targetGroup}`);
  const live = [...records.jobs.values()].filter((j) => !TERMINAL.has(j.phase) || (j.phase === 'FAILED' && AFTER_RELEASE.has(j.retreatedFrom ?? 'DONE'))).length;
  if (jc.maxLiveJobs && live >= jc.maxLiveJobs) return rejected('OVERLOADED', `live-job cap reached: ${live} live jobs (max ${jc.maxLiveJobs})`);
  const bad = catalogChange(ctx, catalog, { kind: 'SET_STATE', routeId: route.routeId, state: 'MOVING', expectedRouteVersion: route.version });
  if (bad) return bad;
  const created: SplitJob = { ...rec, jobId: records.allocate(ctx.batch), version: 1, start: hex(route.start), end: hex(route.end), phase: 'CLEAR_TARGET' };
  records.store(ctx.batch, created);
  return { ...EMPTY_RESULT, stateJson: encodeJob(created), jobId: created.jobId };
}

function update(ctx: ApplyContext, records: JobRecords, catalog: CatalogState, jc: JobCommand, rec: SplitJob): KvResult {
  const cur = records.jobs.get(rec.jobId);
  if (!cur) return rejected('INVALID_ARGUMENT', `job ${rec.jobId} does not exist`);
  if (cur.version !== jc.expectedVersion) return { ...rejected('ABORTED', `VERSION_MISMATCH: job ${rec.jobId} is at version ${cur.version}, not ${jc.expectedVersion ?? 0}`), stateJson: encodeJob(cur) };
  if (TERMINAL.has(cur.phase) && cur.phase !== 'FAILED') return { ...rejected('ABORTED', `job ${rec.jobId} is ${cur.phase}`), stateJson: encodeJob(cur) };
  if (jc.catalog) {
    const bad = catalogChange(ctx, catalog, jc.catalog);
    if (bad) return { ...bad, stateJson: encodeJob(cur) };
  }
  const next: SplitJob = { ...rec, version: cur.version + 1 };
  records.store(ctx.batch, next);
  records.trim(ctx.batch);
  return { ...EMPTY_RESULT, stateJson: encodeJob(next), jobId: next.jobId };
}

export const jobHandler: CommandHandler = {
  kinds: ['JOB'],
  declare: () => ({ reads: 'none', writes: 'none' }),
  apply(ctx, cmd) {
    const jc = cmd.job;
    const m = ctx.machine;
    if (!jc || !m.has(JOB_RECORDS) || !m.has(CATALOG) || !m.state(CATALOG).catalog) return rejected('INVALID_ARGUMENT', `group ${m.group} holds no job records (the default group does)`);
    let rec: SplitJob;
    try {
      rec = decodeJob(jc.recordJson);
    } catch {
      return rejected('INVALID_ARGUMENT', 'job: malformed record');
    }
    const records = m.state(JOB_RECORDS);
    const catalog = m.state(CATALOG);
    return jc.kind === 'CREATE' ? create(ctx, records, catalog, jc, rec) : update(ctx, records, catalog, jc, rec);
  },
};
