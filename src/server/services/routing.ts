// Routing service: ListRoutes (the catalog with this node's leader hints) and
// WatchRoutes (pushed catalog changes, served by the default group's leader;
// a watch ends when this node loses the leadership, and the client resumes
// on the new leader with deltas, or a reset).

import { KvError, toServiceError } from '../../api/errors.js';
import type { CatalogEvent } from '../../distribution/catalog-state.js';
import type { ListRoutesResponse } from '../../proto-gen/ferrykv/v1/ListRoutesResponse.js';
import type { RoutingHandlers } from '../../proto-gen/ferrykv/v1/Routing.js';
import type { RouteDescriptor } from '../../routing/catalog.js';
import { toRouteMessage } from '../../routing/codec.js';
import { DEFAULT_GROUP, selfAddress, withTimeout, type NodeContext } from '../context.js';
import { GroupState } from '../group-state.js';
import { unary } from './unary.js';

/** Brings the route cache up to the catalog: from the local default-group replica if any, else from a peer. */
export async function refreshRoutes(ctx: NodeContext): Promise<void> {
  const r = ctx.host.replica(DEFAULT_GROUP);
  const sm = r ? GroupState.of(r) : undefined;
  if (r && sm?.catalog) {
    try {
      await withTimeout(ctx, r.readBarrier(), 'default-group read barrier');
      ctx.routes.apply({ version: sm.catalog.version, reset: true, routes: sm.catalog.list() });
      return;
    } catch {
      /* no quorum here: ask the others */
    }
  }
  await ctx.watcher.refresh();
}

/** This node's view of each group's leader (a routing hint for clients). */
function leaderHints(ctx: NodeContext): { groupId: number; nodeId: number; address: string }[] {
  const self = selfAddress(ctx);
  return [...ctx.host.replicas.values()].flatMap((r) => {
    const lead = r.leader();
    if (lead === 0) return [];
    const address = lead === ctx.host.nodeId ? self : ctx.transport.peerAddress(lead);
    return address ? [{ groupId: r.group, nodeId: lead, address }] : [];
  });
}

export async function listRoutes(ctx: NodeContext, local: boolean): Promise<ListRoutesResponse> {
  const r = ctx.host.replica(DEFAULT_GROUP);
  const sm = r ? GroupState.of(r) : undefined;
  let version: number;
  let routes: readonly RouteDescriptor[];
  if (local) {
    if (!sm?.catalog) throw new KvError('INVALID_ARGUMENT', `local: node ${ctx.cfg.nodeId} holds no replica of the default group`, { field: 'local' });
    ({ version } = sm.catalog);
    routes = sm.catalog.list();
  } else if (r && sm?.catalog) {
    await withTimeout(ctx, r.readBarrier(), 'default-group read barrier');
    ({ version } = sm.catalog);
    routes = sm.catalog.list();
  } else {
    await ctx.watcher.refresh();
    version = ctx.routes.version;
    routes = ctx.routes.routes();
  }
  return { version: String(version), routes: routes.map(toRouteMessage), leaders: leaderHints(ctx), nodeId: ctx.cfg.nodeId };
}

/** Why this node cannot serve a route watch now, or its default-group replica and state. */
function watchHost(ctx: NodeContext): KvError | { r: NonNullable<ReturnType<NodeContext['host']['replica']>>; sm: GroupState } {
  const r = ctx.host.replica(DEFAULT_GROUP);
  const sm = r ? GroupState.of(r) : undefined;
  if (!r || !sm?.catalog) return new KvError('UNAVAILABLE', `node ${ctx.cfg.nodeId} holds no replica of the default group; watch routes on one that does`);
  if (r.isLeader()) return { r, sm };
  const lead = r.leader();
  if (lead === 0) return new KvError('UNAVAILABLE', 'the default group has no leader yet; retry');
  return new KvError('NOT_LEADER', `the route watch is served by the default group's leader, node ${lead}`, { leaderNodeId: lead, leaderAddress: ctx.transport.peerAddress(lead) ?? '' });
}

export function routingService(ctx: NodeContext): RoutingHandlers {
  return {
    ListRoutes: unary(ctx, 'ListRoutes', (req) => listRoutes(ctx, req.local)),
    WatchRoutes: (call) => {
      const fail = (e: KvError): void => {
        call.emit('error', toServiceError(e));
      };
      const at = watchHost(ctx);
      if (at instanceof KvError) return fail(at);
      const { r, sm } = at;
      const catalog = sm.catalog!;
      const send = (ev: CatalogEvent): void => {
        if (!call.cancelled) call.write({ version: String(ev.version), reset: ev.reset, routes: ev.routes.map(toRouteMessage) });
      };
      const from = Number(call.request.fromVersion);
      // A version this leader has not reached (another leader's, or made up) gets the whole catalog, not a silent wait.
      const changes = from > 0 && from <= catalog.version ? sm.catalogChangesSince(from) : undefined;
      if (changes) changes.forEach(send);
      else send({ version: catalog.version, reset: true, routes: catalog.list() });
      const unsubscribe = sm.onCatalogChange(send);
      // Leadership lost (or the node stops): end the stream; the client finds the new leader.
      const check = setInterval(() => {
        if (!r.isLeader() || r.removed || ctx.stopping()) close(true);
      }, ctx.cfg.tickMs * 5);
      const close = (notLeader: boolean): void => {
        if (!ctx.closers.delete(closer)) return;
        clearInterval(check);
        unsubscribe();
        if (call.cancelled) return;
        if (!notLeader || ctx.stopping()) {
          call.end();
          return;
        }
        const lead = r.leader();
        fail(new KvError('NOT_LEADER', 'this node lost the default group leadership', lead ? { leaderNodeId: lead, leaderAddress: ctx.transport.peerAddress(lead) ?? '' } : {}));
      };
      const closer = (): void => close(false);
      ctx.closers.add(closer);
      call.on('cancelled', () => close(false));
    },
  };
}
