// Admission of client work on a node: a bounded number of operations and
// bytes in flight per node, and of operations per Batch stream. Beyond them a
// request is refused at once with OVERLOADED{retryAfterMs} — cheap to answer,
// retryable, and never applied — instead of being started with the rest and
// timing out (UNKNOWN_RESULT) while memory grows. Defect: 20,000 operations
// in one stream all started at once; 64 KiB values collapsed goodput to 26
// writes/s and RSS grew to ~1 GiB per node.
//
// Invariant: inFlightOps ≤ maxOps and inFlightBytes ≤ maxBytes, except that
// one request larger than maxBytes is admitted when nothing else is in flight
// (so no valid request is refused forever).

import { KvError } from '../api/errors.js';
import type { Op__Output } from '../proto-gen/ferrykv/v1/Op.js';
import { requestBytes } from '../api/request-bytes.js';

export interface AdmissionLimits {
  /** Operations in flight on the node (all connections). */
  readonly maxOps: number;
  /** Request bytes (keys and values) in flight on the node. */
  readonly maxBytes: number;
  /** Operations in flight on one Batch stream. */
  readonly maxOpsPerStream: number;
  /** The retry hint of a refusal (ms); clients add jitter. */
  readonly retryAfterMs: number;
}

export const DEFAULT_ADMISSION: AdmissionLimits = { maxOps: 8192, maxBytes: 8 << 20, maxOpsPerStream: 2048, retryAfterMs: 20 };

export class Admission {
  inFlightOps = 0;
  inFlightBytes = 0;
  /** Requests refused, by reason (a metric). */
  readonly refused = { node: 0, stream: 0 };

  constructor(readonly limits: AdmissionLimits = DEFAULT_ADMISSION) {}

  /** Admits one operation of `bytes`, or returns the refusal to answer with. */
  admit(bytes: number, streamInFlight = 0): KvError | undefined {
    const l = this.limits;
    if (streamInFlight >= l.maxOpsPerStream) {
      this.refused.stream++;
      return new KvError('OVERLOADED', `${streamInFlight} operations in flight on this stream (limit ${l.maxOpsPerStream}); retry after ${l.retryAfterMs} ms`, { retryAfterMs: l.retryAfterMs });
    }
    const tooMany = this.inFlightOps >= l.maxOps;
    const tooBig = this.inFlightOps > 0 && this.inFlightBytes + bytes > l.maxBytes;
    if (tooMany || tooBig) {
      this.refused.node++;
      const what = tooMany ? `${this.inFlightOps} operations` : `${this.inFlightBytes + bytes} bytes`;
      return new KvError('OVERLOADED', `node busy: ${what} in flight (limits ${l.maxOps} operations, ${l.maxBytes} bytes); retry after ${l.retryAfterMs} ms`, { retryAfterMs: l.retryAfterMs });
    }
    this.inFlightOps++;
    this.inFlightBytes += bytes;
    return undefined;
  }

  release(bytes: number): void {
    this.inFlightOps--;
    this.inFlightBytes -= bytes;
  }
}

/** The bytes an operation of a Batch stream carries (keys and values), for the byte bound. */
export function opBytes(op: Op__Output): number {
  return requestBytes(op.request ? (op as unknown as Record<string, object>)[op.request] : undefined);
}
