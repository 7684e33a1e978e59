// Requests a follower forwards to its group's leader (DESIGN.md §6): one typed
// table of what may travel, each entry the request's codec and how the leader
// runs it. A method outside the table is refused, never looked up by name in a
// service definition.

import { KvError, decodeKvError } from '../api/errors.js';
import { protos } from '../api/protos.js';
import type { KvService } from '../kv/kv-service.js';
import { checkClientTimestamp } from '../kv/validate.js';
import type { NodeId } from '../raft/index.js';
import type { NodeContext } from './context.js';
import { splitRange } from './routes-admin.js';

interface MethodCodec {
  requestSerialize: (v: unknown) => Buffer;
  requestDeserialize: (b: Buffer) => unknown;
  responseSerialize: (v: unknown) => Buffer;
  responseDeserialize: (b: Buffer) => unknown;
}

interface Forwardable {
  /** The service and method whose protobuf codec the request and response use. */
  readonly codec: () => MethodCodec;
  readonly run: (ctx: NodeContext, request: unknown, hops: number, group: number) => Promise<unknown>;
}

const rawKv = (method: string) => (): MethodCodec => (protos().packages.pub!['ferrykv.v1.RawKV'] as unknown as Record<string, MethodCodec>)[method]!;
const admin = (method: string) => (): MethodCodec => (protos().packages.admin!['ferrykv.admin.v1.Admin'] as unknown as Record<string, MethodCodec>)[method]!;
type Req<M extends keyof KvService> = KvService[M] extends (req: infer R, ...rest: never[]) => unknown ? R : never;

/** Everything a node forwards. BumpTs travels as a GetRequest (only read_ts set) and answers an empty GetResponse. */
export const FORWARDED: Readonly<Record<string, Forwardable>> = {
  BumpTs: {
    codec: rawKv('Get'),
    run: (ctx, r, hops, group) => ctx.kv.bumpTs(group, checkClientTimestamp(ctx.hlc, 'read_ts', (r as { readTs: string }).readTs), hops).then(() => ({})),
  },
  Put: { codec: rawKv('Put'), run: (ctx, r, hops, group) => ctx.kv.put(r as Req<'put'>, hops, group) },
  Delete: { codec: rawKv('Delete'), run: (ctx, r, hops, group) => ctx.kv.delete(r as Req<'delete'>, hops, group) },
  BatchWrite: { codec: rawKv('BatchWrite'), run: (ctx, r, hops, group) => ctx.kv.batchWrite(r as Req<'batchWrite'>, hops, group) },
  CompareAndSwap: { codec: rawKv('CompareAndSwap'), run: (ctx, r, hops, group) => ctx.kv.compareAndSwap(r as Req<'compareAndSwap'>, hops, group) },
  DeleteRange: { codec: rawKv('DeleteRange'), run: (ctx, r, hops, group) => ctx.kv.deleteRange(r as Req<'deleteRange'>, hops, group) },
  SplitRange: { codec: admin('SplitRange'), run: (ctx, r, hops) => splitRange(ctx, r as { splitKey: Uint8Array }, hops) },
};

export function forwardable(method: string): Forwardable | undefined {
  return Object.hasOwn(FORWARDED, method) ? FORWARDED[method] : undefined;
}

/** Sends a request to the leader node `to` and returns its answer (its typed error rethrown). */
export async function forward(ctx: NodeContext, to: NodeId, group: number, method: string, request: unknown, hops: number, deadlineMs: number): Promise<unknown> {
  const f = forwardable(method);
  if (!f) throw new KvError('INTERNAL', `method ${method} cannot be forwarded`);
  const codec = f.codec();
  let res;
  try {
    res = await ctx.transport.forward(to, { groupId: group, method, request: codec.requestSerialize(request), hops }, deadlineMs);
  } catch (e) {
    throw new KvError('UNAVAILABLE', `forwarding to leader node ${to} failed: ${(e as Error).message}`, { leaderNodeId: to, leaderAddress: ctx.transport.peerAddress(to) ?? '' });
  }
  if (res.error.byteLength > 0) throw decodeKvError(res.error);
  return codec.responseDeserialize(res.response);
}
