// A node's way to another group's leader (the migrator's steps, transaction
// steps on other groups, digest read points): each call goes to the node it believes leads
// the group, follows NOT_LEADER hints, and tries the other nodes when one does
// not answer — within a deadline. Always over gRPC (loopback for this node),
// so one path is exercised.

import * as grpc from '@grpc/grpc-js';
import { encodeCommand, decodeResult, type KvCommand, type KvResult, type MigrationCommand } from '../apply/commands.js';
import { KvError, decodeKvError, fromServiceError } from '../api/errors.js';
import { GROUP_BACKOFF } from '../runtime/backoff.js';
import { retryCall } from '../api/retry.js';
import type { ExportRangeChunk__Output } from '../proto-gen/ferrykv/internal/v1/ExportRangeChunk.js';
import type { ExportRangeRequest } from '../proto-gen/ferrykv/internal/v1/ExportRangeRequest.js';
import type { GroupCommandResponse__Output } from '../proto-gen/ferrykv/internal/v1/GroupCommandResponse.js';
import type { InternalClient } from '../proto-gen/ferrykv/internal/v1/Internal.js';
import { CHANNEL_OPTIONS, protos } from '../api/protos.js';
import { packRows, unpackRows } from '../apply/packed-rows.js';
import { fromWireRow, type MigrationRow } from '../apply/rows.js';

export interface GroupClientOptions {
  /** Every node's gRPC address, by node id. */
  readonly nodes: () => ReadonlyMap<number, string>;
  /** This node's idea of a group's leader (0: unknown). */
  readonly leaderHint: (group: number) => number;
  readonly timeoutMs: number;
}

export interface ExportChunk {
  readonly rows: MigrationRow[];
  readonly nextCursor: Uint8Array;
  readonly lastSeq: number;
  readonly done: boolean;
  readonly scannedBytes: number;
}

export class GroupClient {
  private readonly clients = new Map<string, InternalClient>();
  private readonly leaders = new Map<number, number>();

  constructor(private readonly opts: GroupClientOptions) {}

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }

  private client(address: string): InternalClient {
    let c = this.clients.get(address);
    if (!c) {
      c = new (protos().internal.ferrykv.internal.v1.Internal)(address, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
      this.clients.set(address, c);
    }
    return c;
  }

  /** Nodes to try for `group`, the likely leader first. */
  private order(group: number): number[] {
    const nodes = [...this.opts.nodes().keys()];
    const first = this.leaders.get(group) || this.opts.leaderHint(group);
    return first ? [first, ...nodes.filter((n) => n !== first)] : nodes;
  }

  /**
   * Runs `fn` against the group's leader (retryCall): the likely leader first;
   * a NOT_LEADER hint goes first next time (after the backoff: hints bounce
   * during elections), another failure rotates to the next node at once, and a
   * whole round of failures backs off — until the deadline.
   */
  private onLeader<T>(group: number, fn: (c: InternalClient, deadline: number) => Promise<T>, timeoutMs = this.opts.timeoutMs): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let round: number[] = [];
    let node = 0;
    const named = (err: KvError): KvError => (err.message.includes(`group ${group}`) ? err : new KvError(err.code, `group ${group}: ${err.message}`, err.detail));
    return retryCall<T>({
      what: `group ${group}`,
      deadline,
      policy: GROUP_BACKOFF,
      retryable: (err) => err.retryable || err.code === 'DEADLINE_EXCEEDED',
      attempt: async () => {
        if (round.length === 0) round = this.order(group).filter((n) => this.opts.nodes().has(n));
        node = round.shift() ?? 0;
        const address = this.opts.nodes().get(node);
        if (!address) throw new KvError('UNAVAILABLE', `no node is known to hold group ${group}`);
        try {
          const res = await fn(this.client(address), Math.min(deadline, Date.now() + 5000));
          this.leaders.set(group, node);
          return res;
        } catch (e) {
          const err = e instanceof KvError ? e : new KvError('UNAVAILABLE', String(e));
          throw err.retryable || err.code === 'DEADLINE_EXCEEDED' ? err : named(err);
        }
      },
      onFailure: (err) => {
        if (err.code === 'NOT_LEADER' && err.detail.leaderNodeId) {
          this.leaders.set(group, err.detail.leaderNodeId);
          round = []; // re-order: the hinted node goes first
          return 'backoff';
        }
        this.leaders.delete(group);
        return round.length > 0 ? 'now' : 'backoff';
      },
      // Name the group: this is what a stalled job reports.
      exhausted: (last) => new KvError(last?.code ?? 'UNAVAILABLE', `group ${group}: no leader answered in ${timeoutMs} ms${last ? ` (last: ${last.message})` : ''}`),
    });
  }

  /** A migration step in the group's log; the result carries the group's job state (`stateJson`). Refusals (ABORTED, …) throw. */
  async command(group: number, m: MigrationCommand): Promise<{ result: KvResult }> {
    const command = Buffer.from(encodeCommand({ kind: 'MIGRATION', requestId: new Uint8Array(0), proposedTs: 0n, migration: m }));
    return this.onLeader(group, (c, deadline) => this.unary(c, 'groupCommand', { groupId: group, command, readJobId: '0' }, deadline));
  }

  /** Proposes a command (MIGRATION or DIGEST) on the group's leader; the applied result and the node that led. */
  async propose(group: number, cmd: KvCommand): Promise<{ result: KvResult; leader: number }> {
    const command = Buffer.from(encodeCommand(cmd));
    const r = await this.onLeader(group, (c, deadline) => this.unary(c, 'groupCommand', { groupId: group, command, readJobId: '0' }, deadline));
    return { result: r.result, leader: this.leaders.get(group) ?? 0 };
  }

  /**
   * Proposes a command on the group's leader and answers with the applied
   * result, refusals included (a transaction step needs their details); only
   * failures to reach a leader throw.
   */
  async proposeForResult(group: number, cmd: KvCommand, timeoutMs?: number): Promise<KvResult> {
    const command = Buffer.from(encodeCommand(cmd));
    const r = await this.onLeader(group, (c, deadline) => this.unary(c, 'groupCommand', { groupId: group, command, readJobId: '0' }, deadline, true), timeoutMs);
    return r.result;
  }

  /**
   * Merkle leaves of one node's replica at a digest read point (migration
   * VERIFY: all versions at or below `upToTs`). Copies what it keeps.
   */
  digestLeaves(
    nodeId: number,
    req: { groupId: number; digestId: Uint8Array; index: number; start: Uint8Array; end: Uint8Array; upToTs: bigint; boundaries: readonly Uint8Array[]; excludeKeys?: readonly Uint8Array[] },
  ): Promise<{ boundaries: Uint8Array[]; hashes: Buffer[] }> {
    const address = this.opts.nodes().get(nodeId);
    if (!address) return Promise.reject(new KvError('UNAVAILABLE', `node ${nodeId} has no known address`));
    return new Promise((resolve, reject) => {
      this.client(address).digestLeaves(
        {
          groupId: req.groupId,
          digestId: Buffer.from(req.digestId),
          index: String(req.index),
          start: Buffer.from(req.start),
          end: Buffer.from(req.end),
          readTs: req.upToTs.toString(),
          versionsUpTo: true,
          boundaries: req.boundaries.map((b) => Buffer.from(b)),
          excludeKeys: (req.excludeKeys ?? []).map((k) => Buffer.from(k)),
        },
        { deadline: Date.now() + this.opts.timeoutMs * 6 },
        (err, res) => {
          if (err) return reject(fromServiceError(err));
          resolve({ boundaries: res!.boundaries.map((b) => Uint8Array.from(b)), hashes: res!.hashes.map((h) => Buffer.from(Uint8Array.from(h))) });
        },
      );
    });
  }

  /** A node's Internal client by address (for calls to one particular replica). */
  clientFor(address: string): InternalClient {
    return this.client(address);
  }

  /** The group's state for a job (`stateJson`, empty: none), read on its leader after a read barrier. */
  async jobState(group: number, jobId: number): Promise<KvResult> {
    const r = await this.onLeader(group, (c, deadline) => this.unary(c, 'groupCommand', { groupId: group, command: Buffer.alloc(0), readJobId: String(jobId) }, deadline));
    return r.result;
  }

  async import(group: number, jobId: number, attempt: number, from: Uint8Array, to: Uint8Array, rows: readonly MigrationRow[]): Promise<{ result: KvResult }> {
    const req = {
      groupId: group,
      jobId: String(jobId),
      attempt,
      fromCursor: Buffer.from(from),
      toCursor: Buffer.from(to),
      rowsPacked: Buffer.from(packRows(rows)),
    };
    return this.onLeader(group, (c, deadline) => this.unary(c, 'importRangeVersions', req, deadline));
  }

  private unary(c: InternalClient, method: 'groupCommand' | 'importRangeVersions', req: object, deadline: number, refusalsResolve = false): Promise<{ result: KvResult }> {
    return new Promise((resolve, reject) => {
      const cb = (err: grpc.ServiceError | null, res?: GroupCommandResponse__Output): void => {
        if (err) return reject(fromServiceError(err));
        if (res!.error.byteLength > 0) return reject(decodeKvError(res!.error));
        const result = decodeResult(res!.result);
        if (result.errorCode && !refusalsResolve) return reject(new KvError(result.errorCode as KvError['code'], result.errorMessage ?? result.errorCode));
        resolve({ result });
      };
      (c[method] as unknown as (r: object, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r?: GroupCommandResponse__Output) => void) => void).call(c, req, { deadline }, cb);
    });
  }

  /** Streams an export from the group's leader (one attempt: the caller resumes from its own cursor). */
  async *export(group: number, req: Omit<ExportRangeRequest, 'groupId'>): AsyncGenerator<ExportChunk> {
    const call = await this.onLeader(group, (c) => Promise.resolve(c.exportRangeVersions({ ...req, groupId: group })));
    const queue: ExportRangeChunk__Output[] = [];
    let ended = false;
    let failed: KvError | undefined;
    let wake: (() => void) | undefined;
    const notify = (): void => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    call.on('data', (c: ExportRangeChunk__Output) => {
      queue.push(c);
      if (queue.length > 4) call.pause();
      notify();
    });
    call.on('end', () => {
      ended = true;
      notify();
    });
    call.on('error', (e: grpc.ServiceError) => {
      const err = fromServiceError(e);
      if (err.code === 'NOT_LEADER' && err.detail.leaderNodeId) this.leaders.set(group, err.detail.leaderNodeId);
      else this.leaders.delete(group);
      failed = err;
      notify();
    });
    try {
      for (;;) {
        const c = queue.shift();
        if (c) {
          if (queue.length <= 1) call.resume();
          yield {
            rows: c.rowsPacked.byteLength > 0 ? unpackRows(c.rowsPacked) : c.rows.map((r) => fromWireRow(r)),
            nextCursor: Uint8Array.from(c.nextCursor),
            lastSeq: Number(c.lastSeq),
            done: c.done,
            scannedBytes: Number(c.scannedBytes),
          };
          continue;
        }
        if (failed) throw failed;
        if (ended) return;
        await new Promise<void>((r) => (wake = r));
      }
    } finally {
      call.cancel();
    }
  }
}
