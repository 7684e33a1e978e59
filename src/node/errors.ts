// Any failure as the error taxonomy's KvError: replica refusals (NOT_LEADER,
// OVERLOADED, ...) mapped once; anything else is INTERNAL.

import { KvError } from '../api/errors.js';
import { ReplicaError } from './replica.js';

export function toKvError(e: unknown): KvError {
  if (e instanceof KvError) return e;
  if (e instanceof ReplicaError) {
    switch (e.code) {
      case 'NOT_LEADER':
        return new KvError('NOT_LEADER', e.message, e.leader ? { leaderNodeId: e.leader } : {});
      case 'OVERLOADED':
        return new KvError('OVERLOADED', e.message, { retryAfterMs: 50 });
      case 'TOO_LARGE':
        return new KvError('INVALID_ARGUMENT', e.message, { field: 'value' });
      case 'UNAVAILABLE':
        return new KvError('UNAVAILABLE', e.message);
      default:
        return new KvError('INTERNAL', e.message);
    }
  }
  return new KvError('INTERNAL', e instanceof Error ? e.message : String(e));
}
