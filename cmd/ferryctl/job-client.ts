// Reaching the migration jobs. Job RPCs are served by the default group's
// leader: `call` follows NOT_LEADER to it and moves on to the next endpoint
// when a node does not answer; `watch` follows a job's WatchSplitJob stream
// across leader changes until the job ends. Both remember the leader last
// found, for the next call. Bounded: a call by --timeout-ms, a watch by 30 s
// (or 3 × --timeout-ms) without a working stream, hint-following by 3 hops.

import { KvError, fromServiceError, invalidArgument } from '../../src/api/errors.js';
import type * as grpc from '@grpc/grpc-js';
import type { SplitJob__Output } from '../../src/proto-gen/ferrykv/admin/v1/SplitJob.js';
import { EXIT, tagged, type AdminMethod, type CtlContext } from './context.js';
import { fmtAge } from './format.js';
import { isTerminal } from './job-text.js';
import { retryCall } from '../../src/api/retry.js';
import { CLIENT_BACKOFF, sleep } from '../../src/runtime/backoff.js';


/** Without an update for this long, a watch reads the job to see whether its stream fell behind. */
const SILENCE_MS = 5000;

/** Leader hints followed in a row before moving on to the next endpoint. */
const MAX_HINT_HOPS = 3;

/** A job that does not exist (never created, or dropped from the history) exits 3; other errors as `fail`. */
export function failJob(ctx: CtlContext, e: unknown): never {
  if (e instanceof KvError && e.code === 'INVALID_ARGUMENT' && e.detail.field === 'job_id' && e.detail.reason === undefined && /does not exist/.test(e.message)) ctx.fail(e, EXIT.notFound);
  ctx.fail(e);
}

/** Where the next attempt goes: a leader a NOT_LEADER named (a few hops in a row), else the endpoints in turn. */
class Targets {
  current: string;
  private rot: number;
  private hops = 0;

  constructor(
    private readonly eps: readonly string[],
    start: string | undefined,
  ) {
    this.current = start ?? eps[0]!;
    this.rot = this.current === eps[0] ? 1 : 0;
  }

  /** Moves to `hint` if it is a new leader to follow; false (and the hop count restarts) otherwise. */
  follow(hint: string | undefined): boolean {
    if (hint && hint !== this.current && this.hops < MAX_HINT_HOPS) {
      this.hops++;
      this.current = hint;
      return true;
    }
    this.hops = 0;
    return false;
  }

  next(): void {
    this.current = this.eps[this.rot++ % this.eps.length]!;
  }
}

export class JobClient {
  /** The default group's leader as last found: job RPCs are served there. */
  private leader: string | undefined;

  constructor(private readonly ctx: CtlContext) {}

  private targets(): Targets {
    const eps = this.ctx.endpoints();
    if (eps.length === 0) this.ctx.fail(invalidArgument('endpoints', 'no endpoints given'));
    return new Targets(eps, this.leader);
  }

  /**
   * A job RPC on the default group's leader. NOT_LEADER with the leader's
   * address is followed; NOT_LEADER without one, UNAVAILABLE (also from a
   * hinted leader that does not answer) and, when `idempotent`, DEADLINE_EXCEEDED
   * move on to the next endpoint in turn, until --timeout-ms has passed. Any
   * other error is final.
   */
  async call<Req, Res>(method: AdminMethod, req: Req, idempotent = true): Promise<Res> {
    const t = this.targets();
    const until = Date.now() + this.ctx.globals.timeoutMs;
    let at = t.current; // the endpoint of the attempt that failed last (errors name it)
    try {
      return await retryCall<Res>({
        what: method,
        deadline: until,
        policy: CLIENT_BACKOFF,
        retryable: (e) => e.code === 'NOT_LEADER' || e.code === 'UNAVAILABLE' || (idempotent && e.code === 'DEADLINE_EXCEEDED'),
        attempt: async () => {
          at = t.current;
          const res = await this.ctx.adminCall<Req, Res>(t.current, method, req, Math.max(1000, until - Date.now()));
          this.leader = t.current;
          return res;
        },
        onFailure: (e) => {
          if (t.follow(e.code === 'NOT_LEADER' ? e.detail.leaderAddress : undefined)) return 'now';
          t.next();
          return 'backoff';
        },
        // Past the deadline: the last error as it was (the caller maps codes to exit codes).
        exhausted: (last) => last ?? new KvError('DEADLINE_EXCEEDED', `${method}: no answer within ${this.ctx.globals.timeoutMs} ms`),
      });
    } catch (e) {
      throw e instanceof KvError ? tagged(e, at) : e;
    }
  }

  /**
   * Follows a job until it ends, calling `show` for each new version (above
   * `fromVersion`). A stream that breaks or ends early is opened again: on the
   * leader a NOT_LEADER names, else on the same node once, then on each endpoint
   * in turn; after 30 s (or 3 × --timeout-ms) without a working stream it gives up.
   */
  async watch(jobId: string, show: (j: SplitJob__Output) => void, note: (msg: string) => void, fromVersion = 0n): Promise<SplitJob__Output> {
    const t = this.targets();
    const giveUpMs = Math.max(30_000, 3 * this.ctx.globals.timeoutMs);
    let seen = fromVersion;
    let last: SplitJob__Output | undefined;
    const deliver = (j: SplitJob__Output): void => {
      if (BigInt(j.version) <= seen) return;
      seen = BigInt(j.version);
      last = j;
      show(j);
    };
    let failingSince: number | undefined;
    for (;;) {
      const r = await this.watchOnce(t.current, jobId, deliver, () => seen);
      if (last && isTerminal(last.phase)) return last;
      if (r.error?.code === 'INVALID_ARGUMENT') throw r.error;
      if (r.gotData) failingSince = undefined;
      failingSince ??= Date.now();
      const why = r.error ? `${r.error.code}: ${r.error.message}` : 'the stream ended before the job did';
      if (Date.now() - failingSince > giveUpMs) {
        const code = r.error?.code === 'DEADLINE_EXCEEDED' ? 'DEADLINE_EXCEEDED' : 'UNAVAILABLE';
        throw new KvError(code, `gave up watching job ${jobId} after ${fmtAge(Date.now() - failingSince)} without a working stream; last: ${t.current}: ${why}`);
      }
      const broken = t.current;
      if (!t.follow(r.error?.code === 'NOT_LEADER' ? r.error.detail.leaderAddress : undefined)) {
        await sleep(200);
        // After a stream that worked, ask the same node again (it names the new leader); otherwise the next endpoint.
        if (!r.gotData) t.next();
      }
      note(`watch on ${broken}: ${why}; reconnecting to ${t.current}`);
    }
  }

  /**
   * One WatchSplitJob stream on `target`, until it ends, breaks, or falls
   * behind: after SILENCE_MS without an update the job is read with GetSplitJob,
   * and a newer version than the stream delivered ends this stream (to reconnect).
   */
  private watchOnce(target: string, jobId: string, deliver: (j: SplitJob__Output) => void, seen: () => bigint): Promise<{ gotData: boolean; error?: KvError }> {
    return new Promise((resolve) => {
      const client = this.ctx.admin(target);
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
        this.leader = target;
        deliver(j);
        if (isTerminal(j.phase)) finish();
      });
      call.on('error', (e: grpc.ServiceError) => finish(fromServiceError(e)));
      call.on('end', () => finish());
      const timer = setInterval(() => {
        if (done || Date.now() - lastData < SILENCE_MS) return;
        lastData = Date.now();
        this.call<object, SplitJob__Output>('getSplitJob', { jobId }).then(
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
}
