// etcd's errors as its clients know them: a gRPC status code and a message.
// Clients match on the message text (etcd's client libraries map
// "etcdserver: …" strings back to typed errors), so the texts follow etcd.

import { status } from '@grpc/grpc-js';
import { KvError } from '../api/errors.js';

export class EtcdError extends Error {
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
    this.name = 'EtcdError';
  }
}

const e = (code: status, message: string) => (): EtcdError => new EtcdError(code, message);

export const ErrEmptyKey = e(status.INVALID_ARGUMENT, 'etcdserver: key is not provided');
export const ErrKeyNotFound = e(status.INVALID_ARGUMENT, 'etcdserver: key not found');
export const ErrValueProvided = e(status.INVALID_ARGUMENT, 'etcdserver: value is provided');
export const ErrLeaseProvided = e(status.INVALID_ARGUMENT, 'etcdserver: lease is provided');
export const ErrTooManyOps = e(status.INVALID_ARGUMENT, 'etcdserver: too many operations in txn request');
export const ErrDuplicateKey = e(status.INVALID_ARGUMENT, 'etcdserver: duplicate key given in txn request');
export const ErrRequestTooLarge = e(status.INVALID_ARGUMENT, 'etcdserver: request is too large');
export const ErrCompacted = e(status.OUT_OF_RANGE, 'etcdserver: mvcc: required revision has been compacted');
export const ErrFutureRev = e(status.OUT_OF_RANGE, 'etcdserver: mvcc: required revision is a future revision');
export const ErrLeaseNotFound = e(status.NOT_FOUND, 'etcdserver: requested lease not found');
export const ErrLeaseExist = e(status.FAILED_PRECONDITION, 'etcdserver: lease already exists');
export const ErrLeaseTTLTooLarge = e(status.OUT_OF_RANGE, 'etcdserver: too large lease TTL');
export const ErrTimeout = e(status.UNAVAILABLE, 'etcdserver: request timed out');
export const ErrTooManyRequests = e(status.RESOURCE_EXHAUSTED, 'etcdserver: too many requests');

/** Any failure as an etcd error: ferrykv's typed errors keep their reason in the message. */
export function toEtcdError(err: unknown): EtcdError {
  if (err instanceof EtcdError) return err;
  if (!(err instanceof KvError)) return new EtcdError(status.INTERNAL, `etcdserver: ${(err as Error).message ?? String(err)}`);
  switch (err.code) {
    case 'INVALID_ARGUMENT':
      if (err.detail.safePoint !== undefined) return ErrCompacted();
      return new EtcdError(status.INVALID_ARGUMENT, `etcdserver: ${err.message}`);
    case 'OVERLOADED':
      return ErrTooManyRequests();
    case 'DEADLINE_EXCEEDED':
      return new EtcdError(status.DEADLINE_EXCEEDED, `etcdserver: ${err.message}`);
    case 'UNKNOWN_RESULT':
      // The write may or may not have applied: etcd says "request timed out" for exactly this.
      return ErrTimeout();
    default:
      return new EtcdError(status.UNAVAILABLE, `etcdserver: ${err.message}`);
  }
}
