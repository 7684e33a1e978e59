// What every ferryctl command shares: the root options (--endpoints, --json,
// --timeout-ms), printing a result as text or JSON, failing with the exit code
// the error's kind maps to, parsing argument values, and the ways to reach the
// cluster (the KV client; an admin call on one node, on the first node that
// answers, on a group's leader). The exit codes live here and nowhere else.

import * as grpc from '@grpc/grpc-js';
import { InvalidArgumentError, type Command } from 'commander';
import { retryCall } from '../../src/api/retry.js';
import { CLIENT_BACKOFF } from '../../src/runtime/backoff.js';
import { KvError, fromServiceError, invalidArgument } from '../../src/api/errors.js';
import { CHANNEL_OPTIONS, protos } from '../../src/api/protos.js';
import { FerryClient } from '../../src/client/client.js';
import type { AdminClient } from '../../src/proto-gen/ferrykv/admin/v1/Admin.js';

export const EXIT = { ok: 0, usage: 2, notFound: 3, failed: 1, unavailable: 4 };

/** An Admin RPC, by its client method's name. */
export type AdminMethod = Extract<keyof AdminClient, string>;

/** The options of the root command. */
export interface Globals {
  endpoints: string;
  json: boolean;
  timeoutMs: number;
}

/** One line of JSON, uint64 values (bigint) as decimal strings. */
export const toJson = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));

/** Usage errors of a command with this exit override exit with the usage code (commander's own exit 1 otherwise). */
export function usageExit(err: { exitCode: number }): never {
  process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage);
}

/** Errors about reaching a node name the endpoint; answers from the leader do not. */
export const tagged = (e: KvError, target: string): KvError =>
  ['UNAVAILABLE', 'DEADLINE_EXCEEDED', 'NOT_LEADER'].includes(e.code) ? new KvError(e.code, `${target}: ${e.message}`, e.detail) : e;

/** A commander parser for an integer option in [min, max]. */
export function uintOption(min: number, max: number): (v: string) => number {
  return (v) => {
    if (!/^[0-9]+$/.test(v)) throw new InvalidArgumentError('must be a non-negative integer');
    const n = Number(v);
    if (n < min || n > max) throw new InvalidArgumentError(`must be in [${min}, ${max}]`);
    return n;
  };
}

/** A commander parser for an HLC timestamp option (a positive uint64 in decimal). */
export function timestampOption(v: string): bigint {
  if (!isPositiveUint64(v)) throw new InvalidArgumentError('must be a positive 64-bit integer (an HLC timestamp, as printed by put or watch)');
  return BigInt(v);
}

/** A positive uint64 in decimal (job and route ids, HLC timestamps). */
export const isPositiveUint64 = (v: string): boolean => /^[0-9]{1,20}$/.test(v) && BigInt(v) !== 0n && BigInt(v) < 1n << 64n;

export class CtlContext {
  constructor(private readonly program: Command) {}

  get globals(): Globals {
    return this.program.opts<Globals>();
  }

  endpoints(): string[] {
    return this.globals.endpoints
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }

  /** Prints `human`, or with --json the `json` value. */
  out(human: string, json: unknown): void {
    if (this.globals.json) console.log(toJson(json));
    else console.log(human);
  }

  /** Prints the error (as `ErrorJson` with --json) and exits: 2 usage, 4 unreachable or too slow, else 1, unless `exitCode` says. */
  fail(e: unknown, exitCode?: number): never {
    const err = e instanceof KvError ? e : new KvError('INTERNAL', e instanceof Error ? e.message : String(e));
    if (this.globals.json) console.log(toJson({ error: { code: err.code, message: err.message, ...err.detail } }));
    else console.error(`ferryctl: ${err.code}: ${err.message}`);
    process.exit(exitCode ?? (err.code === 'INVALID_ARGUMENT' ? EXIT.usage : err.code === 'UNAVAILABLE' || err.code === 'DEADLINE_EXCEEDED' ? EXIT.unavailable : EXIT.failed));
  }

  /** A key given as UTF-8 text, or (`isHex`) as hex bytes; bad hex fails as a usage error on `field`. */
  keyArg(field: string, text: string, isHex: boolean): Buffer {
    if (!isHex) return Buffer.from(text, 'utf8');
    if (!/^([0-9a-fA-F]{2})*$/.test(text)) this.fail(invalidArgument(field, `"${text}" is not hex (an even number of digits 0-9, a-f)`));
    return Buffer.from(text, 'hex');
  }

  /** Runs `fn` with a KV client over the endpoints; any error fails the command. */
  async kv<T>(fn: (c: FerryClient) => Promise<T>): Promise<T> {
    const c = new FerryClient({ endpoints: this.endpoints(), timeoutMs: this.globals.timeoutMs });
    try {
      return await fn(c);
    } catch (e) {
      this.fail(e);
    } finally {
      c.close();
    }
  }

  admin(endpoint: string): AdminClient {
    return new (protos().admin.ferrykv.admin.v1.Admin)(endpoint, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
  }

  /** One admin call on `endpoint`, with a deadline of `timeoutMs` (default --timeout-ms); errors arrive as KvError. */
  adminCall<Req, Res>(endpoint: string, method: AdminMethod, req: Req, timeoutMs = this.globals.timeoutMs): Promise<Res> {
    const c = this.admin(endpoint) as unknown as Record<string, (r: Req, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r?: Res) => void) => void>;
    return new Promise<Res>((resolve, reject) => {
      c[method]!.call(c, req, { deadline: Date.now() + timeoutMs }, (err, res) => {
        (c as unknown as AdminClient).close();
        if (err) reject(fromServiceError(err));
        else resolve(res as Res);
      });
    });
  }

  /** Runs an admin call on the group leader, following NOT_LEADER (a few attempts, within --timeout-ms). */
  onLeader<Res>(method: AdminMethod, req: object): Promise<Res> {
    const eps = this.endpoints();
    let target = eps[0]!;
    return retryCall<Res>({
      what: method,
      deadline: Date.now() + this.globals.timeoutMs,
      policy: CLIENT_BACKOFF,
      maxAttempts: eps.length + 3,
      retryable: (e) => e.code === 'NOT_LEADER' || e.code === 'UNAVAILABLE',
      attempt: ({ n }) => {
        if (n > 0 && !eps.includes(target) && target === '') target = eps[n % eps.length]!;
        return this.adminCall<object, Res>(target, method, req);
      },
      onFailure: (e, { n }) => {
        if (e.code === 'NOT_LEADER' && e.detail.leaderAddress) {
          target = e.detail.leaderAddress;
          return 'now';
        }
        target = eps[(n + 1) % eps.length]!;
        return 'backoff';
      },
    });
  }

  /**
   * An admin call on the first endpoint that answers: UNAVAILABLE,
   * DEADLINE_EXCEEDED and NOT_LEADER move on to the next endpoint; any other
   * error is final. Only for calls that are safe to repeat.
   */
  async anyNode<Req, Res>(targets: readonly string[], method: AdminMethod, req: Req): Promise<Res> {
    let last: KvError | undefined;
    for (const t of targets) {
      try {
        return await this.adminCall<Req, Res>(t, method, req);
      } catch (e) {
        if (!(e instanceof KvError) || !['UNAVAILABLE', 'DEADLINE_EXCEEDED', 'NOT_LEADER'].includes(e.code)) throw e;
        last = new KvError(e.code, `${t}: ${e.message}`, e.detail);
      }
    }
    throw last ?? new KvError('UNAVAILABLE', 'no endpoints given');
  }
}
