// Byte strings as ferrykv orders and joins them: keys sort bytewise (the API's
// order, the route catalog's, LevelDB's). No dependencies: every layer may use it.

/** Bytewise order (negative, zero, positive), shorter first on a common prefix. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.byteLength, b.byteLength);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.byteLength - b.byteLength;
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.byteLength;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  return out;
}

/** The exclusive end of the keys with `prefix`: the shortest greater string, or empty (+∞) when the prefix is all 0xFF (or empty). */
export function keyPrefixEnd(prefix: Uint8Array): Uint8Array {
  for (let i = prefix.byteLength - 1; i >= 0; i--) {
    if (prefix[i]! < 0xff) {
      const out = Uint8Array.from(prefix.subarray(0, i + 1)); // a copy (Buffer.slice would share the bytes)
      out[i] = out[i]! + 1;
      return out;
    }
  }
  return new Uint8Array(0);
}
