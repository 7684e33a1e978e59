// Wire and storage forms of the route catalog (proto/internal.proto
// CatalogImage; proto/ferrykv.proto Route).

import type { Route } from '../proto-gen/ferrykv/v1/Route.js';
import type { Route__Output } from '../proto-gen/ferrykv/v1/Route.js';
import { messageType } from '../api/protos.js';
import type { CatalogImage, RouteDescriptor, RouteState } from './catalog.js';

type Type = ReturnType<typeof messageType>;
let types: { catalog: Type } | undefined;
function t(): { catalog: Type } {
  types ??= { catalog: messageType('internal.proto', 'ferrykv.internal.v1.CatalogImage') };
  return types;
}

interface RawRoute {
  routeId: string;
  start: Uint8Array;
  end: Uint8Array;
  groupId: number;
  state: string;
  version: string;
}

export function routeState(s: string): RouteState {
  return s === 'MOVING' ? 'MOVING' : 'ACTIVE';
}

/** The stored/wire shape of a route (uint64 fields as decimal strings). */
export function toRawRoute(r: RouteDescriptor): RawRoute {
  return { routeId: String(r.routeId), start: r.start, end: r.end, groupId: r.groupId, state: r.state, version: String(r.version) };
}

export function fromRawRoute(r: RawRoute | Route__Output): RouteDescriptor {
  return {
    routeId: Number(r.routeId),
    start: Uint8Array.from(r.start),
    end: Uint8Array.from(r.end),
    groupId: r.groupId,
    state: routeState(r.state),
    version: Number(r.version),
  };
}

/** The public ferrykv.v1.Route message. */
export function toRouteMessage(r: RouteDescriptor): Route {
  return { routeId: String(r.routeId), start: Buffer.from(r.start), end: Buffer.from(r.end), groupId: r.groupId, state: r.state, version: String(r.version) };
}

export function encodeCatalog(img: CatalogImage): Uint8Array {
  const { catalog } = t();
  return catalog.encode(catalog.fromObject({ version: String(img.version), nextRouteId: String(img.nextRouteId), routes: img.routes.map(toRawRoute) })).finish();
}

export function decodeCatalog(b: Uint8Array): CatalogImage {
  const { catalog } = t();
  const o = catalog.toObject(catalog.decode(b), { longs: String, defaults: true }) as { version: string; nextRouteId: string; routes: RawRoute[] };
  return { version: Number(o.version), nextRouteId: Number(o.nextRouteId), routes: o.routes.map(fromRawRoute) };
}
