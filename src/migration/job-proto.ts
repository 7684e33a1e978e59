// SplitJob records as the admin API shows them (proto/admin.proto SplitJob).

import type { JobOptions as JobOptionsMsg } from '../proto-gen/ferrykv/admin/v1/JobOptions.js';
import type { SplitJob as SplitJobMsg } from '../proto-gen/ferrykv/admin/v1/SplitJob.js';
import { unhex } from './group-state.js';
import { DEFAULT_OPTIONS, etaMs, type JobOptions, type SplitJob } from './job.js';

export function toJobMessage(j: SplitJob): SplitJobMsg {
  return {
    jobId: String(j.jobId),
    attempt: j.attempt,
    routeId: String(j.routeId),
    sourceGroup: j.sourceGroup,
    targetGroup: j.targetGroup,
    start: Buffer.from(unhex(j.start)),
    end: Buffer.from(unhex(j.end)),
    phase: j.phase,
    createdAtMs: String(j.createdAt),
    updatedAtMs: String(j.updatedAt),
    options: {
      chunkBytes: j.options.chunkBytes,
      rateLimitBytesPerSec: String(j.options.rateLimitBytesPerSec),
      cleanupGraceMs: String(j.options.cleanupGraceMs),
      fenceBudgetMs: j.options.fenceBudgetMs,
      maxFenceAttempts: j.options.maxFenceAttempts,
      maxAttempts: j.options.maxAttempts,
      skipVerify: j.options.skipVerify,
      cleanupGraceSet: true,
    },
    progress: {
      backfillRows: String(j.progress.backfillRows),
      backfillBytes: String(j.progress.backfillBytes),
      replayedRows: String(j.progress.replayedRows),
      replayedBytes: String(j.progress.replayedBytes),
      rateBytesPerSec: String(j.progress.rateBytesPerSec),
      changeLogBacklog: String(j.progress.changeLogBacklog),
      fenceWindowsMs: j.progress.fenceWindowsMs.map(String),
      phaseStartedAtMs: String(j.progress.phaseStartedAt),
      estimatedBytes: String(j.progress.estimatedBytes ?? 0),
      etaMs: String(etaMs(j)),
      lastProgressAtMs: String(j.progress.lastProgressAt ?? j.progress.phaseStartedAt),
    },
    fenceAttempts: j.fenceAttempts,
    lastError: j.lastError,
    abandonRequested: j.abandonRequested,
    verifyResult: j.verifyResult,
    releaseTs: j.releaseTs,
    floor: j.floor,
    owner: j.owner,
    version: String(j.version),
    stalled: j.stalled ?? false,
    stallReason: j.stallReason ?? '',
  };
}

/** Options from a request: zero means the default (cleanup grace: unless cleanup_grace_set). */
export function optionsFrom(o: { chunkBytes: number; rateLimitBytesPerSec: string; cleanupGraceMs: string; fenceBudgetMs: number; maxFenceAttempts: number; maxAttempts: number; skipVerify: boolean; cleanupGraceSet: boolean } | null): JobOptions {
  if (!o) return DEFAULT_OPTIONS;
  return {
    chunkBytes: o.chunkBytes || DEFAULT_OPTIONS.chunkBytes,
    rateLimitBytesPerSec: Number(o.rateLimitBytesPerSec) || 0,
    cleanupGraceMs: o.cleanupGraceSet || Number(o.cleanupGraceMs) > 0 ? Number(o.cleanupGraceMs) : DEFAULT_OPTIONS.cleanupGraceMs,
    fenceBudgetMs: o.fenceBudgetMs || DEFAULT_OPTIONS.fenceBudgetMs,
    maxFenceAttempts: o.maxFenceAttempts || DEFAULT_OPTIONS.maxFenceAttempts,
    maxAttempts: o.maxAttempts || DEFAULT_OPTIONS.maxAttempts,
    skipVerify: o.skipVerify,
  };
}

export type { JobOptionsMsg };
