// The one error taxonomy of ferrykv (DESIGN.md §6). Every failure a client
// can see is a KvError with a code that says what to do next; it maps once to
// a gRPC status plus a typed detail (ferrykv.v1.Error in trailing metadata
// `ferrykv-error-bin`), and back again in the SDK.

import * as grpc from '@grpc/grpc-js';
import { messageType } from './protos.js';

export type KvErrorCode =
  | 'NOT_LEADER'
  | 'NOT_OWNER'
  | 'ROUTE_MOVED'
  | 'RANGE_PENDING'
  | 'WRITE_FENCED'
  | 'TXN_CONFLICT'
  | 'ABORTED'
  | 'OVERLOADED'
  | 'INVALID_ARGUMENT'
  | 'UNAVAILABLE'
  | 'DEADLINE_EXCEEDED'
  | 'UNKNOWN_RESULT'
  | 'INTERNAL';

export interface KvErrorDetail {
  readonly leaderNodeId?: number;
  readonly leaderAddress?: string;
  readonly ownedStart?: Uint8Array;
  readonly ownedEnd?: Uint8Array;
  readonly groupId?: number;
  readonly jobId?: bigint;
  readonly retryAfterMs?: number;
  readonly field?: string;
  readonly reason?: string;
  readonly safePoint?: bigint;
  /** ABORTED by a transaction conflict: the key it met. */
  readonly conflictingKey?: Uint8Array;
  /** ABORTED by an uncertain read: begin the retry above this timestamp. */
  readonly retryTs?: bigint;
}

export class KvError extends Error {
  constructor(
    readonly code: KvErrorCode,
    message: string,
    readonly detail: KvErrorDetail = {},
  ) {
    super(message);
    this.name = 'KvError';
  }

  /** Whether a client may retry (possibly elsewhere) without changing the request. */
  get retryable(): boolean {
    return (
      this.code === 'NOT_LEADER' ||
      this.code === 'NOT_OWNER' ||
      this.code === 'ROUTE_MOVED' ||
      this.code === 'RANGE_PENDING' ||
      this.code === 'WRITE_FENCED' ||
      this.code === 'OVERLOADED' ||
      this.code === 'UNAVAILABLE' ||
      this.code === 'ABORTED' ||
      this.code === 'TXN_CONFLICT'
    );
  }
}

export function invalidArgument(field: string, reason: string): KvError {
  return new KvError('INVALID_ARGUMENT', `${field}: ${reason}`, { field, reason });
}

const GRPC_CODE: Record<KvErrorCode, grpc.status> = {
  NOT_LEADER: grpc.status.FAILED_PRECONDITION,
  NOT_OWNER: grpc.status.FAILED_PRECONDITION,
  ROUTE_MOVED: grpc.status.FAILED_PRECONDITION,
  RANGE_PENDING: grpc.status.UNAVAILABLE,
  WRITE_FENCED: grpc.status.UNAVAILABLE,
  TXN_CONFLICT: grpc.status.ABORTED,
  ABORTED: grpc.status.ABORTED,
  OVERLOADED: grpc.status.RESOURCE_EXHAUSTED,
  INVALID_ARGUMENT: grpc.status.INVALID_ARGUMENT,
  UNAVAILABLE: grpc.status.UNAVAILABLE,
  DEADLINE_EXCEEDED: grpc.status.DEADLINE_EXCEEDED,
  UNKNOWN_RESULT: grpc.status.UNKNOWN,
  INTERNAL: grpc.status.INTERNAL,
};

export const ERROR_METADATA_KEY = 'ferrykv-error-bin';

interface WireError {
  code: string;
  message: string;
  leaderNodeId?: number;
  leaderAddress?: string;
  ownedStart?: Uint8Array;
  ownedEnd?: Uint8Array;
  groupId?: number;
  jobId?: string;
  retryAfterMs?: number;
  field?: string;
  reason?: string;
  safePoint?: string;
  conflictingKey?: Uint8Array;
  retryTs?: string;
}

let errorType: ReturnType<typeof messageType> | undefined;
function wireType(): ReturnType<typeof messageType> {
  errorType ??= messageType('ferrykv.proto', 'ferrykv.v1.Error');
  return errorType;
}

export function encodeKvError(e: KvError): Uint8Array {
  const d = e.detail;
  const wire: WireError = {
    code: e.code,
    message: e.message,
    ...(d.leaderNodeId !== undefined ? { leaderNodeId: d.leaderNodeId } : {}),
    ...(d.leaderAddress !== undefined ? { leaderAddress: d.leaderAddress } : {}),
    ...(d.ownedStart !== undefined ? { ownedStart: d.ownedStart } : {}),
    ...(d.ownedEnd !== undefined ? { ownedEnd: d.ownedEnd } : {}),
    ...(d.groupId !== undefined ? { groupId: d.groupId } : {}),
    ...(d.jobId !== undefined ? { jobId: d.jobId.toString() } : {}),
    ...(d.retryAfterMs !== undefined ? { retryAfterMs: d.retryAfterMs } : {}),
    ...(d.field !== undefined ? { field: d.field } : {}),
    ...(d.reason !== undefined ? { reason: d.reason } : {}),
    ...(d.safePoint !== undefined ? { safePoint: d.safePoint.toString() } : {}),
    ...(d.conflictingKey !== undefined ? { conflictingKey: d.conflictingKey } : {}),
    ...(d.retryTs !== undefined ? { retryTs: d.retryTs.toString() } : {}),
  };
  const t = wireType();
  return t.encode(t.fromObject(wire)).finish();
}

export function decodeKvError(b: Uint8Array): KvError {
  const t = wireType();
  const o = t.toObject(t.decode(b), { enums: String, longs: String, bytes: Array, defaults: false }) as Record<string, unknown>;
  const code = (typeof o.code === 'string' && o.code in GRPC_CODE ? o.code : 'INTERNAL') as KvErrorCode;
  const detail: Record<string, unknown> = {};
  if (typeof o.leaderNodeId === 'number') detail.leaderNodeId = o.leaderNodeId;
  if (typeof o.leaderAddress === 'string') detail.leaderAddress = o.leaderAddress;
  if (Array.isArray(o.ownedStart)) detail.ownedStart = Uint8Array.from(o.ownedStart as number[]);
  if (Array.isArray(o.ownedEnd)) detail.ownedEnd = Uint8Array.from(o.ownedEnd as number[]);
  if (typeof o.groupId === 'number') detail.groupId = o.groupId;
  if (typeof o.jobId === 'string') detail.jobId = BigInt(o.jobId);
  if (typeof o.retryAfterMs === 'number') detail.retryAfterMs = o.retryAfterMs;
  if (typeof o.field === 'string') detail.field = o.field;
  if (typeof o.reason === 'string') detail.reason = o.reason;
  if (typeof o.safePoint === 'string') detail.safePoint = BigInt(o.safePoint);
  if (Array.isArray(o.conflictingKey)) detail.conflictingKey = Uint8Array.from(o.conflictingKey as number[]);
  if (typeof o.retryTs === 'string') detail.retryTs = BigInt(o.retryTs);
  return new KvError(code, typeof o.message === 'string' ? o.message : code, detail as KvErrorDetail);
}

/** The gRPC status object a service handler passes to its callback. */
export function toServiceError(err: unknown): Partial<grpc.StatusObject> {
  const e = err instanceof KvError ? err : new KvError('INTERNAL', err instanceof Error ? err.message : String(err));
  const metadata = new grpc.Metadata();
  metadata.set(ERROR_METADATA_KEY, Buffer.from(encodeKvError(e)));
  return { code: GRPC_CODE[e.code], details: `${e.code}: ${e.message}`, metadata };
}

/** Rebuilds the KvError from a failed call (SDK side). */
export function fromServiceError(err: grpc.ServiceError): KvError {
  const raw = err.metadata?.get(ERROR_METADATA_KEY)?.[0];
  if (raw instanceof Buffer) return decodeKvError(raw);
  switch (err.code) {
    case grpc.status.DEADLINE_EXCEEDED:
      return new KvError('DEADLINE_EXCEEDED', err.details || 'deadline exceeded');
    case grpc.status.UNAVAILABLE:
    case grpc.status.CANCELLED:
      return new KvError('UNAVAILABLE', err.details || 'node unavailable');
    case grpc.status.INVALID_ARGUMENT:
      return new KvError('INVALID_ARGUMENT', err.details);
    case grpc.status.RESOURCE_EXHAUSTED:
      return new KvError('OVERLOADED', err.details);
    default:
      return new KvError('INTERNAL', `${grpc.status[err.code] ?? err.code}: ${err.details}`);
  }
}
