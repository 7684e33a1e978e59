// What a node or client does after a group refused a request for its routing.

import type { KvError } from '../api/errors.js';
import type { RouteCache } from './route-cache.js';

/**
 * After a group refused a request for its routing (NOT_OWNER, ROUTE_MOVED):
 * follows a move at once (the catalog catches up on its own), or re-reads the
 * catalog. Other errors (WRITE_FENCED, RANGE_PENDING, ...) need no route change.
 */
export async function followStaleRoute(routes: RouteCache, refresh: () => Promise<void>, err: KvError): Promise<void> {
  if (err.code === 'ROUTE_MOVED' && err.detail.groupId && err.detail.ownedStart) routes.noteMoved(err.detail.ownedStart, err.detail.ownedEnd ?? new Uint8Array(0), err.detail.groupId);
  else if (err.code === 'NOT_OWNER' || err.code === 'ROUTE_MOVED') await refresh().catch(() => {});
}
