// The stored form of an etcd value: etcd's per-key metadata ahead of the
// user's bytes. mod_revision is the version's own commit timestamp, so it is
// not stored; create_revision 0 means "this version created the key" (its
// commit timestamp is only known once it commits).
//
//   [format=1][create_revision u64][version u64][lease u64][value…]

export const ENVELOPE_BYTES = 25;
const FORMAT = 1;

export interface Meta {
  /** 0: the key was created by the version that carries this. */
  readonly createRevision: bigint;
  readonly version: bigint;
  readonly lease: bigint;
}

export function encodeEnvelope(meta: Meta, value: Uint8Array): Uint8Array {
  const out = new Uint8Array(ENVELOPE_BYTES + value.byteLength);
  const v = new DataView(out.buffer);
  out[0] = FORMAT;
  v.setBigUint64(1, meta.createRevision);
  v.setBigUint64(9, meta.version);
  v.setBigUint64(17, BigInt.asUintN(64, meta.lease));
  out.set(value, ENVELOPE_BYTES);
  return out;
}

/** Decodes a stored value; a value not written by the etcd endpoint throws. */
export function decodeEnvelope(stored: Uint8Array): { meta: Meta; value: Uint8Array } {
  if (stored.byteLength < ENVELOPE_BYTES || stored[0] !== FORMAT) throw new Error(`not an etcd value (${stored.byteLength} bytes, format ${stored[0] ?? 'none'})`);
  const v = new DataView(stored.buffer, stored.byteOffset, stored.byteLength);
  return {
    meta: { createRevision: v.getBigUint64(1), version: v.getBigUint64(9), lease: BigInt.asIntN(64, v.getBigUint64(17)) },
    value: stored.subarray(ENVELOPE_BYTES),
  };
}
