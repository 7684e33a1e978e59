// The client error of a command apply refused (a result with an error code).

import { KvError, type KvErrorCode } from '../api/errors.js';
import type { KvResult } from './commands.js';

/** The error of a command apply rejected. */
export function resultError(res: KvResult, group: number): KvError {
  const code = (res.errorCode ?? 'INTERNAL') as KvErrorCode;
  return new KvError(code, res.errorMessage ?? code, {
    // ROUTE_MOVED names where the range went; the others, the group that answered.
    groupId: res.movedToGroup ?? group,
    ...(res.owned ? { ownedStart: res.owned.start, ownedEnd: res.owned.end } : {}),
    ...(res.jobId !== undefined ? { jobId: BigInt(res.jobId) } : {}),
    ...(res.retryAfterMs !== undefined ? { retryAfterMs: res.retryAfterMs } : {}),
  });
}
