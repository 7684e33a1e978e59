// RawKV commands as they travel through a group's raft log, and their results.
// Encoded with protobuf (proto/internal.proto KvCommand / KvResult), version-tagged.

import { messageType } from '../api/protos.js';

export const COMMAND_VERSION = 1;

import type { CatalogCommand, RouteDescriptor } from '../routing/catalog.js';
import { fromRawRoute, routeState, toRawRoute } from '../routing/codec.js';

import { packRows, unpackRows } from './packed-rows.js';
import { fromWireRow, type MigrationRow } from './rows.js';

/** The kinds whose fields the envelope itself carries (proto/internal.proto KvCommand.Kind). */
export type EnvelopeKind = 'WRITE' | 'DELETE_RANGE' | 'CAS' | 'BUMP_TS' | 'DEDUP_GC' | 'CATALOG' | 'MIGRATION' | 'JOB' | 'DIGEST' | 'TXN' | 'MVCC_GC';
const ENVELOPE_KINDS: ReadonlySet<string> = new Set<EnvelopeKind>(['WRITE', 'DELETE_RANGE', 'CAS', 'BUMP_TS', 'DEDUP_GC', 'CATALOG', 'MIGRATION', 'JOB', 'DIGEST', 'TXN', 'MVCC_GC']);

/** A command kind: one the envelope carries, or one a plane defines with its own payload codec (defineCommand). */
export type CommandKind = EnvelopeKind | (string & {});

/**
 * A command kind a plane defines on its own: its name and its payload's
 * codec. The envelope carries the payload as bytes (kind EXTENSION), so a new
 * kind needs no change to the envelope, the proto or the apply shell — only
 * its handler (typedHandler) and one line where the handlers are registered.
 * A mixed-version cluster must not propose a kind some replica does not know:
 * it would refuse it there while the others apply it.
 */
export interface CommandType<P> {
  readonly kind: string;
  encode(payload: P): Uint8Array;
  decode(bytes: Uint8Array): P;
}

export function defineCommand<P>(kind: string, codec: { encode(payload: P): Uint8Array; decode(bytes: Uint8Array): P }): CommandType<P> {
  if (!/^[A-Z][A-Z0-9_]*$/.test(kind)) throw new Error(`command kind ${kind}: must be upper snake case`);
  if (ENVELOPE_KINDS.has(kind) || kind === 'EXTENSION') throw new Error(`command kind ${kind} is the envelope's own`);
  return { kind, encode: (p) => codec.encode(p), decode: (b) => codec.decode(b) };
}

/** A command of a defined kind, ready to encode and propose. */
export function commandOf<P>(type: CommandType<P>, payload: P, envelope: { requestId?: Uint8Array; proposedTs: bigint }): KvCommand {
  return { kind: type.kind, requestId: envelope.requestId ?? new Uint8Array(0), proposedTs: envelope.proposedTs, payload: type.encode(payload) };
}

export type TxnKind = 'PREWRITE' | 'COMMIT' | 'RESOLVE' | 'CHECK_STATUS' | 'VALIDATE' | 'ONE_PC' | 'HEARTBEAT';

/** One step of a transaction in a participant group's log (proto/internal.proto TxnCommand). */
export interface TxnCommand {
  readonly kind: TxnKind;
  readonly startTs: bigint;
  /** COMMIT / RESOLVE: the commit timestamp (RESOLVE 0: roll back). VALIDATE: the upper bound. */
  readonly commitTs?: bigint;
  readonly primary?: Uint8Array;
  readonly mutations?: readonly KvWrite[];
  readonly keys?: readonly Uint8Array[];
  readonly ttlMs?: number;
  /** The proposer's physical clock (ms): lock ages are decided with it, not at apply. */
  readonly nowMs?: number;
  readonly readKeys?: readonly Uint8Array[];
  readonly readRanges?: readonly { readonly start: Uint8Array; readonly end: Uint8Array }[];
  readonly rollbackIfExpired?: boolean;
}

export type TxnStatus = 'committed' | 'rolled_back' | 'pending' | '';

export type MigrationKind = 'CLEAR' | 'BEGIN_CAPTURE' | 'FENCE' | 'UNFENCE' | 'RELEASE' | 'ADOPT' | 'IMPORT' | 'ABANDON' | 'CLEANUP' | 'TRUNCATE_LOG' | 'REPAIR' | 'FINISH';

/** One step of the migration plane in a group's log (proto/internal.proto MigrationCommand). */
export interface MigrationCommand {
  readonly kind: MigrationKind;
  readonly jobId: number;
  readonly attempt: number;
  readonly start?: Uint8Array;
  readonly end?: Uint8Array;
  readonly peerGroup?: number;
  readonly fenceEpoch?: number;
  readonly head?: number;
  readonly fromCursor?: Uint8Array;
  readonly toCursor?: Uint8Array;
  readonly rows?: readonly MigrationRow[];
  readonly releaseTs?: bigint;
  readonly maxKeys?: number;
  readonly throughSeq?: number;
  /** ADOPT: the source's GC safe point at Release. */
  readonly safePoint?: bigint;
}

/** Create or update a job record in the default group (proto/internal.proto JobCommand). */
export interface JobCommand {
  readonly kind: 'CREATE' | 'UPDATE';
  readonly recordJson: string;
  readonly expectedVersion?: number;
  readonly catalog?: CatalogCommand;
  readonly maxLiveJobs?: number;
}

export interface KvWrite {
  readonly key: Uint8Array;
  /** null: delete (tombstone). */
  readonly value: Uint8Array | null;
}

export interface KvCommand {
  readonly kind: CommandKind;
  readonly requestId: Uint8Array;
  readonly proposedTs: bigint;
  readonly writes?: readonly KvWrite[];
  readonly start?: Uint8Array;
  readonly end?: Uint8Array;
  readonly maxKeys?: number;
  /** MVCC_GC: stop the step at a key boundary after this many scanned bytes (0 or absent: no byte bound). */
  readonly maxScanBytes?: number;
  readonly key?: Uint8Array;
  readonly expected?: Uint8Array;
  readonly expectAbsent?: boolean;
  readonly value?: Uint8Array;
  readonly ts?: bigint;
  /** CATALOG: the change (default group only). */
  readonly catalog?: CatalogCommand;
  readonly migration?: MigrationCommand;
  readonly job?: JobCommand;
  readonly txn?: TxnCommand;
  /** A defined kind's payload (defineCommand), encoded by its codec. */
  readonly payload?: Uint8Array;
}

export interface KvResult {
  readonly commitTs: bigint;
  readonly succeeded: boolean;
  readonly currentFound: boolean;
  readonly current: Uint8Array;
  readonly deleted: number;
  readonly resumeKey: Uint8Array;
  readonly more: boolean;
  /** Set when apply rejected the command and wrote nothing (a KvErrorCode). */
  readonly errorCode?: string;
  readonly errorMessage?: string;
  /** NOT_OWNER: the interval the group does serve around the key. */
  readonly owned?: { readonly start: Uint8Array; readonly end: Uint8Array };
  /** CATALOG: the catalog version after the command and the routes it changed. */
  readonly catalogVersion?: number;
  readonly routes?: readonly RouteDescriptor[];
  /** MIGRATION / JOB: the group's state for the job after the command (JSON). */
  readonly stateJson?: string;
  readonly retryAfterMs?: number;
  readonly jobId?: number;
  /** ROUTE_MOVED: where the range went. */
  readonly movedToGroup?: number;
  /**
   * DEDUP_GC / MVCC_GC: nothing this step kept becomes collectible at a
   * cutoff at or below this timestamp (unset: nothing it kept ever does,
   * without a new write). src/kv/sweep.ts skips passes on it.
   */
  readonly keptFrom?: bigint;
  /** DIGEST: the log index of the read point. */
  readonly index?: number;
  /** TXN: the transaction's status where a step learned it. */
  readonly txnStatus?: TxnStatus;
  /** PREWRITE: the lowest commit timestamp this group allows. */
  readonly minCommitTs?: bigint;
  /** TXN refusals: the key in conflict and, if locked, its lock. */
  readonly conflictKey?: Uint8Array;
  readonly lock?: { readonly primary: Uint8Array; readonly startTs: bigint; readonly expiresMs: number };
}

export const EMPTY_RESULT: KvResult = {
  commitTs: 0n,
  succeeded: true,
  currentFound: false,
  current: new Uint8Array(0),
  deleted: 0,
  resumeKey: new Uint8Array(0),
  more: false,
};

let types: { cmd: ReturnType<typeof messageType>; res: ReturnType<typeof messageType> } | undefined;
function t(): { cmd: ReturnType<typeof messageType>; res: ReturnType<typeof messageType> } {
  types ??= {
    cmd: messageType('internal.proto', 'ferrykv.internal.v1.KvCommand'),
    res: messageType('internal.proto', 'ferrykv.internal.v1.KvResult'),
  };
  return types;
}

const bytesOrEmpty = (b: Uint8Array | undefined): Uint8Array => b ?? new Uint8Array(0);

export function encodeCommand(c: KvCommand): Uint8Array {
  const { cmd } = t();
  return cmd
    .encode(
      cmd.fromObject({
        version: COMMAND_VERSION,
        requestId: c.requestId,
        proposedTs: c.proposedTs.toString(),
        ...(ENVELOPE_KINDS.has(c.kind) ? { kind: c.kind } : { kind: 'EXTENSION', extKind: c.kind, payload: c.payload ?? new Uint8Array(0) }),
        writes: (c.writes ?? []).map((w) => ({ key: w.key, value: bytesOrEmpty(w.value ?? undefined), tombstone: w.value === null })),
        start: bytesOrEmpty(c.start),
        end: bytesOrEmpty(c.end),
        maxKeys: c.maxKeys ?? 0,
        maxScanBytes: c.maxScanBytes ?? 0,
        key: bytesOrEmpty(c.key),
        expected: bytesOrEmpty(c.expected),
        expectAbsent: c.expectAbsent ?? false,
        value: bytesOrEmpty(c.value),
        ts: (c.ts ?? 0n).toString(),
        ...(c.catalog ? { catalog: encodeCatalogCommand(c.catalog) } : {}),
        ...(c.migration ? { migration: encodeMigrationCommand(c.migration) } : {}),
        ...(c.job
          ? {
              job: {
                kind: c.job.kind,
                recordJson: c.job.recordJson,
                expectedVersion: String(c.job.expectedVersion ?? 0),
                maxLiveJobs: c.job.maxLiveJobs ?? 0,
                ...(c.job.catalog ? { catalog: encodeCatalogCommand(c.job.catalog) } : {}),
              },
            }
          : {}),
        ...(c.txn ? { txn: encodeTxnCommand(c.txn) } : {}),
      }),
    )
    .finish();
}

function encodeTxnCommand(x: TxnCommand): Record<string, unknown> {
  return {
    kind: x.kind,
    startTs: x.startTs.toString(),
    commitTs: (x.commitTs ?? 0n).toString(),
    primary: x.primary ?? new Uint8Array(0),
    mutations: (x.mutations ?? []).map((w) => ({ key: w.key, value: w.value ?? new Uint8Array(0), tombstone: w.value === null })),
    keys: x.keys ?? [],
    ttlMs: x.ttlMs ?? 0,
    nowMs: String(x.nowMs ?? 0),
    readKeys: x.readKeys ?? [],
    readRangeStarts: (x.readRanges ?? []).map((r) => r.start),
    readRangeEnds: (x.readRanges ?? []).map((r) => r.end),
    rollbackIfExpired: x.rollbackIfExpired ?? false,
  };
}

interface RawTxnCommand {
  kind: TxnKind;
  startTs: string;
  commitTs: string;
  primary: Uint8Array;
  mutations: { key: Uint8Array; value: Uint8Array; tombstone: boolean }[];
  keys: Uint8Array[];
  ttlMs: number;
  nowMs: string;
  readKeys: Uint8Array[];
  readRangeStarts: Uint8Array[];
  readRangeEnds: Uint8Array[];
  rollbackIfExpired: boolean;
}

function decodeTxnCommand(o: RawTxnCommand): TxnCommand {
  return {
    kind: o.kind,
    startTs: BigInt(o.startTs),
    commitTs: BigInt(o.commitTs),
    primary: o.primary,
    mutations: o.mutations.map((w) => ({ key: w.key, value: w.tombstone ? null : w.value })),
    keys: o.keys,
    ttlMs: o.ttlMs,
    nowMs: Number(o.nowMs),
    readKeys: o.readKeys,
    readRanges: o.readRangeStarts.map((start, i) => ({ start, end: o.readRangeEnds[i] ?? new Uint8Array(0) })),
    rollbackIfExpired: o.rollbackIfExpired,
  };
}

interface RawCommand {
  version: number;
  requestId: Uint8Array;
  proposedTs: string;
  kind: EnvelopeKind | 'EXTENSION';
  extKind: string;
  payload: Uint8Array;
  writes: { key: Uint8Array; value: Uint8Array; tombstone: boolean }[];
  start: Uint8Array;
  end: Uint8Array;
  maxKeys: number;
  maxScanBytes: number;
  key: Uint8Array;
  expected: Uint8Array;
  expectAbsent: boolean;
  value: Uint8Array;
  ts: string;
  catalog: RawCatalogCommand | null;
  migration: RawMigrationCommand | null;
  job: { kind: 'CREATE' | 'UPDATE'; recordJson: string; expectedVersion: string; catalog: RawCatalogCommand | null; maxLiveJobs: number } | null;
  txn: RawTxnCommand | null;
}

interface RawMigrationCommand {
  kind: MigrationKind;
  jobId: string;
  attempt: number;
  start: Uint8Array;
  end: Uint8Array;
  peerGroup: number;
  fenceEpoch: string;
  head: string;
  fromCursor: Uint8Array;
  toCursor: Uint8Array;
  rows: Parameters<typeof fromWireRow>[0][];
  rowsPacked: Uint8Array;
  releaseTs: string;
  maxKeys: number;
  throughSeq: string;
  safePoint: string;
}

function encodeMigrationCommand(m: MigrationCommand): Record<string, unknown> {
  return {
    kind: m.kind,
    jobId: String(m.jobId),
    attempt: m.attempt,
    start: m.start ?? new Uint8Array(0),
    end: m.end ?? new Uint8Array(0),
    peerGroup: m.peerGroup ?? 0,
    fenceEpoch: String(m.fenceEpoch ?? 0),
    head: String(m.head ?? 0),
    fromCursor: m.fromCursor ?? new Uint8Array(0),
    toCursor: m.toCursor ?? new Uint8Array(0),
    rowsPacked: packRows(m.rows ?? []),
    releaseTs: (m.releaseTs ?? 0n).toString(),
    maxKeys: m.maxKeys ?? 0,
    throughSeq: String(m.throughSeq ?? 0),
    safePoint: (m.safePoint ?? 0n).toString(),
  };
}

function decodeMigrationCommand(o: RawMigrationCommand): MigrationCommand {
  return {
    kind: o.kind,
    jobId: Number(o.jobId),
    attempt: o.attempt,
    start: o.start,
    end: o.end,
    peerGroup: o.peerGroup,
    fenceEpoch: Number(o.fenceEpoch),
    head: Number(o.head),
    fromCursor: o.fromCursor,
    toCursor: o.toCursor,
    rows: o.rowsPacked.byteLength > 0 ? unpackRows(o.rowsPacked) : o.rows.map(fromWireRow),
    releaseTs: BigInt(o.releaseTs),
    maxKeys: o.maxKeys,
    throughSeq: Number(o.throughSeq),
    safePoint: BigInt(o.safePoint),
  };
}

interface RawCatalogCommand {
  kind: 'SPLIT' | 'SET_STATE' | 'REASSIGN';
  splitKey: Uint8Array;
  expectedVersion: string;
  routeId: string;
  state: string;
  groupId: number;
  expectedRouteVersion: string;
}

function encodeCatalogCommand(c: CatalogCommand): Partial<RawCatalogCommand> {
  switch (c.kind) {
    case 'SPLIT':
      return { kind: 'SPLIT', splitKey: c.splitKey, expectedVersion: String(c.expectedVersion ?? 0) };
    case 'SET_STATE':
      return { kind: 'SET_STATE', routeId: String(c.routeId), state: c.state, expectedRouteVersion: String(c.expectedRouteVersion) };
    case 'REASSIGN':
      return { kind: 'REASSIGN', routeId: String(c.routeId), groupId: c.groupId, expectedRouteVersion: String(c.expectedRouteVersion) };
  }
}

function decodeCatalogCommand(o: RawCatalogCommand): CatalogCommand {
  switch (o.kind) {
    case 'SPLIT':
      return { kind: 'SPLIT', splitKey: o.splitKey, ...(o.expectedVersion !== '0' ? { expectedVersion: Number(o.expectedVersion) } : {}) };
    case 'SET_STATE':
      return { kind: 'SET_STATE', routeId: Number(o.routeId), state: routeState(o.state), expectedRouteVersion: Number(o.expectedRouteVersion) };
    case 'REASSIGN':
      return { kind: 'REASSIGN', routeId: Number(o.routeId), groupId: o.groupId, expectedRouteVersion: Number(o.expectedRouteVersion) };
  }
}

let kindNames: Record<number, string> | undefined;

/**
 * The envelope kind of an encoded command, read off its wire form without
 * decoding the rest (KvCommand field 4; proto3 encoders write fields in
 * number order, so it comes after three short ones). For the host's choice of
 * where a Ready applies; undefined when the bytes are not a command.
 */
export function peekKind(b: Uint8Array): EnvelopeKind | 'EXTENSION' | undefined {
  kindNames ??= (t().cmd.lookupEnum('Kind') as unknown as { valuesById: Record<number, string> }).valuesById;
  let pos = 0;
  const varint = (): number | undefined => {
    let v = 0;
    // Up to ten bytes (64 bits: an HLC timestamp takes nine); beyond 2^53 the value is inexact, which a skip does not mind.
    for (let shift = 0; shift < 70 && pos < b.byteLength; shift += 7) {
      const byte = b[pos++]!;
      v += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return v;
    }
    return undefined;
  };
  while (pos < b.byteLength) {
    const tag = varint();
    if (tag === undefined) return undefined;
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (field === 4 && wire === 0) {
      const k = varint();
      return k === undefined ? undefined : (kindNames[k] as EnvelopeKind | 'EXTENSION' | undefined);
    }
    if (wire === 0) {
      if (varint() === undefined) return undefined;
    } else if (wire === 2) {
      const n = varint();
      if (n === undefined) return undefined;
      pos += n;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else return undefined;
  }
  return pos === b.byteLength ? 'WRITE' : undefined; // absent: the enum's default
}

export function decodeCommand(b: Uint8Array): KvCommand {
  const { cmd } = t();
  const o = cmd.toObject(cmd.decode(b), { longs: String, enums: String, defaults: true }) as RawCommand;
  if (o.version !== COMMAND_VERSION) throw new Error(`unknown KV command version ${o.version}`);
  if (o.kind === 'EXTENSION') return { kind: o.extKind, requestId: o.requestId, proposedTs: BigInt(o.proposedTs), payload: o.payload };
  return {
    kind: o.kind,
    requestId: o.requestId,
    proposedTs: BigInt(o.proposedTs),
    writes: o.writes.map((w) => ({ key: w.key, value: w.tombstone ? null : w.value })),
    start: o.start,
    end: o.end,
    maxKeys: o.maxKeys,
    ...(o.maxScanBytes > 0 ? { maxScanBytes: o.maxScanBytes } : {}),
    key: o.key,
    expected: o.expected,
    expectAbsent: o.expectAbsent,
    value: o.value,
    ts: BigInt(o.ts),
    ...(o.kind === 'CATALOG' && o.catalog ? { catalog: decodeCatalogCommand(o.catalog) } : {}),
    ...(o.kind === 'MIGRATION' && o.migration ? { migration: decodeMigrationCommand(o.migration) } : {}),
    ...(o.kind === 'JOB' && o.job
      ? {
          job: {
            kind: o.job.kind,
            recordJson: o.job.recordJson,
            expectedVersion: Number(o.job.expectedVersion),
            maxLiveJobs: o.job.maxLiveJobs,
            ...(o.job.catalog ? { catalog: decodeCatalogCommand(o.job.catalog) } : {}),
          },
        }
      : {}),
    ...(o.kind === 'TXN' && o.txn ? { txn: decodeTxnCommand(o.txn) } : {}),
  };
}

export function encodeResult(r: KvResult): Uint8Array {
  const { res } = t();
  return res
    .encode(
      res.fromObject({
        commitTs: r.commitTs.toString(),
        succeeded: r.succeeded,
        currentFound: r.currentFound,
        current: r.current,
        deleted: r.deleted,
        resumeKey: r.resumeKey,
        more: r.more,
        errorCode: r.errorCode ?? '',
        errorMessage: r.errorMessage ?? '',
        ...(r.owned ? { ownedStart: r.owned.start, ownedEnd: r.owned.end, hasOwned: true } : {}),
        catalogVersion: String(r.catalogVersion ?? 0),
        routes: (r.routes ?? []).map(toRawRoute),
        stateJson: r.stateJson ?? '',
        retryAfterMs: r.retryAfterMs ?? 0,
        jobId: String(r.jobId ?? 0),
        movedToGroup: r.movedToGroup ?? 0,
        index: String(r.index ?? 0),
        txnStatus: r.txnStatus ?? '',
        minCommitTs: (r.minCommitTs ?? 0n).toString(),
        conflictKey: r.conflictKey ?? new Uint8Array(0),
        ...(r.lock ? { lockFound: true, lockPrimary: r.lock.primary, lockStartTs: r.lock.startTs.toString(), lockExpiresMs: String(r.lock.expiresMs) } : {}),
      }),
    )
    .finish();
}

interface RawResult {
  commitTs: string;
  succeeded: boolean;
  currentFound: boolean;
  current: Uint8Array;
  deleted: string | number;
  resumeKey: Uint8Array;
  more: boolean;
  errorCode: string;
  errorMessage: string;
  ownedStart: Uint8Array;
  ownedEnd: Uint8Array;
  hasOwned: boolean;
  catalogVersion: string;
  routes: Parameters<typeof fromRawRoute>[0][];
  stateJson: string;
  retryAfterMs: number;
  jobId: string;
  movedToGroup: number;
  index: string;
  txnStatus: string;
  minCommitTs: string;
  conflictKey: Uint8Array;
  lockFound: boolean;
  lockPrimary: Uint8Array;
  lockStartTs: string;
  lockExpiresMs: string;
}

export function decodeResult(b: Uint8Array): KvResult {
  const { res } = t();
  const o = res.toObject(res.decode(b), { longs: String, defaults: true }) as RawResult;
  return {
    commitTs: BigInt(o.commitTs),
    succeeded: o.succeeded,
    currentFound: o.currentFound,
    current: o.current,
    deleted: Number(o.deleted),
    resumeKey: o.resumeKey,
    more: o.more,
    ...(o.errorCode ? { errorCode: o.errorCode, errorMessage: o.errorMessage } : {}),
    ...(o.hasOwned ? { owned: { start: o.ownedStart, end: o.ownedEnd } } : {}),
    ...(o.catalogVersion !== '0' ? { catalogVersion: Number(o.catalogVersion) } : {}),
    ...(o.routes.length > 0 ? { routes: o.routes.map(fromRawRoute) } : {}),
    ...(o.stateJson ? { stateJson: o.stateJson } : {}),
    ...(o.retryAfterMs ? { retryAfterMs: o.retryAfterMs } : {}),
    ...(o.jobId !== '0' ? { jobId: Number(o.jobId) } : {}),
    ...(o.movedToGroup ? { movedToGroup: o.movedToGroup } : {}),
    ...(o.index !== '0' ? { index: Number(o.index) } : {}),
    ...(o.txnStatus ? { txnStatus: o.txnStatus as TxnStatus } : {}),
    ...(o.minCommitTs !== '0' ? { minCommitTs: BigInt(o.minCommitTs) } : {}),
    ...(o.conflictKey.byteLength > 0 ? { conflictKey: o.conflictKey } : {}),
    ...(o.lockFound ? { lock: { primary: o.lockPrimary, startTs: BigInt(o.lockStartTs), expiresMs: Number(o.lockExpiresMs) } } : {}),
  };
}
