// What `job watch` (and `job start --watch`) prints while it follows a job:
// bars on a terminal, a line per update when piped, JSON lines with --json;
// then (not with --json) the summary and how the job ended. Exits 0 when the
// job ended DONE, 1 when FAILED or ABANDONED, 130 on Ctrl-C at a terminal.

import type { SplitJob__Output } from '../../src/proto-gen/ferrykv/admin/v1/SplitJob.js';
import { EXIT, type CtlContext } from './context.js';
import { PhaseBars } from './job-bars.js';
import { failJob, type JobClient } from './job-client.js';
import { endLine, endSummary, jobHead, jobJson, progressLine } from './job-text.js';

/** Shows a job's progress until it ends, then exits 0 (DONE) or 1 (FAILED, ABANDONED). */
export async function runWatch(ctx: CtlContext, jobs: JobClient, jobId: string, fromVersion = 0n): Promise<never> {
  const json = ctx.globals.json;
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
      if (!headed) console.log(jobHead(j));
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
    end = await jobs.watch(jobId, show, note, fromVersion);
  } catch (e) {
    bars?.interrupt();
    failJob(ctx, e);
  }
  bars?.interrupt();
  if (!json) {
    console.log(endSummary(end));
    console.log(endLine(end));
  }
  process.exit(end.phase === 'DONE' ? EXIT.ok : EXIT.failed);
}
