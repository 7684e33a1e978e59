// A compact binary form for many migration rows (one bytes field instead of
// thousands of protobuf sub-messages: decoding those into JS objects and back
// dominated the copy path). Layout per row:
//   [family u8][flags u8: 1 tombstone, 2 delete][key len u32][key][ts u64][value len u32][value]

import type { MigrationRow } from './rows.js';

export function packRows(rows: readonly MigrationRow[]): Uint8Array {
  let size = 0;
  for (const r of rows) size += 18 + r.key.byteLength + r.value.byteLength;
  const out = Buffer.allocUnsafe(size);
  let o = 0;
  for (const r of rows) {
    out[o++] = r.family;
    out[o++] = (r.tombstone ? 1 : 0) | (r.delete ? 2 : 0);
    out.writeUInt32BE(r.key.byteLength, o);
    o += 4;
    out.set(r.key, o);
    o += r.key.byteLength;
    out.writeBigUInt64BE(r.ts, o);
    o += 8;
    out.writeUInt32BE(r.value.byteLength, o);
    o += 4;
    out.set(r.value, o);
    o += r.value.byteLength;
  }
  return out;
}

/**
 * Rows from `packRows`. The result never aliases `b`: `b` is copied once and
 * the rows' keys and values are views into that copy (one allocation per
 * chunk, where a copy per key and per value made 8,000 for a 4 MiB chunk).
 * A row kept alone keeps its chunk's copy alive. Throws on a truncated or
 * malformed buffer.
 */
export function unpackRows(b: Uint8Array): MigrationRow[] {
  const buf = Buffer.from(Uint8Array.prototype.slice.call(b).buffer);
  const rows: MigrationRow[] = [];
  let o = 0;
  while (o < buf.byteLength) {
    if (o + 6 > buf.byteLength) throw new Error('packed rows: truncated row header');
    const family = buf[o++]!;
    const flags = buf[o++]!;
    const kl = buf.readUInt32BE(o);
    o += 4;
    if (o + kl + 12 > buf.byteLength) throw new Error('packed rows: truncated key');
    const key = new Uint8Array(buf.buffer, o, kl);
    o += kl;
    const ts = buf.readBigUInt64BE(o);
    o += 8;
    const vl = buf.readUInt32BE(o);
    o += 4;
    if (o + vl > buf.byteLength) throw new Error('packed rows: truncated value');
    const value = new Uint8Array(buf.buffer, o, vl);
    o += vl;
    rows.push({ family, key, ts, value, tombstone: (flags & 1) !== 0, delete: (flags & 2) !== 0 });
  }
  return rows;
}
