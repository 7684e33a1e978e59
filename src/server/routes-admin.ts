// Catalog changes operators make (Admin SplitRange): one CATALOG command on
// the default group's leader, forwarded there from any node; idempotent.

import type { SplitRangeResponse } from '../proto-gen/ferrykv/admin/v1/SplitRangeResponse.js';
import { checkKey } from '../kv/validate.js';
import { toRouteMessage } from '../routing/codec.js';
import { DEFAULT_GROUP, type NodeContext } from './context.js';
import { GroupState } from './group-state.js';

export async function splitRange(ctx: NodeContext, req: { splitKey: Uint8Array }, hops = 0): Promise<SplitRangeResponse> {
  const key = checkKey('split_key', req.splitKey);
  const res = await ctx.kv.catalogCommand('SplitRange', req, hops, DEFAULT_GROUP, { kind: 'SPLIT', splitKey: key });
  if ('forwarded' in res) return res.forwarded as SplitRangeResponse;
  const d = ctx.host.replica(DEFAULT_GROUP);
  const catalog = d ? GroupState.of(d).catalog : undefined;
  const right = res.routes.find((r) => Buffer.compare(r.start, key) === 0) ?? catalog?.lookup(key);
  const left = res.routes.find((r) => Buffer.compare(r.end, key) === 0) ?? catalog?.list().find((r) => Buffer.compare(r.end, key) === 0);
  if (!res.noop) ctx.log.info({ splitKey: Buffer.from(key).toString('hex'), version: res.version }, 'route split');
  return { version: String(res.version), alreadySplit: res.noop, ...(left ? { left: toRouteMessage(left) } : {}), ...(right ? { right: toRouteMessage(right) } : {}) };
}
