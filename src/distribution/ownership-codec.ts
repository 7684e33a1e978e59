// Storage form of a group's ownership map (proto/internal.proto OwnershipImage).

import { messageType } from '../api/protos.js';
import { OwnershipMap, type OwnershipState } from './ownership.js';

let type: ReturnType<typeof messageType> | undefined;
const t = (): ReturnType<typeof messageType> => (type ??= messageType('internal.proto', 'ferrykv.internal.v1.OwnershipImage'));

export function encodeOwnership(m: OwnershipMap): Uint8Array {
  const ownership = t();
  return ownership
    .encode(ownership.fromObject({ intervals: m.intervals().map((iv) => ({ start: iv.start, end: iv.end, state: iv.state, jobId: String(iv.jobId ?? 0), targetGroup: iv.targetGroup ?? 0 })) }))
    .finish();
}

export function decodeOwnership(b: Uint8Array): OwnershipMap {
  const ownership = t();
  const o = ownership.toObject(ownership.decode(b), { defaults: true, longs: String }) as {
    intervals: { start: Uint8Array; end: Uint8Array; state: string; jobId: string; targetGroup: number }[];
  };
  return new OwnershipMap(
    o.intervals.map((iv) => ({
      start: Uint8Array.from(iv.start),
      end: Uint8Array.from(iv.end),
      state: iv.state as OwnershipState,
      ...(iv.jobId !== '0' ? { jobId: Number(iv.jobId) } : {}),
      ...(iv.targetGroup !== 0 ? { targetGroup: iv.targetGroup } : {}),
    })),
  );
}
