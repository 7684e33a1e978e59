// The bytes a RawKV or TxnKV request carries (keys and values): what the
// node's admission bound and the SDK's send window count. One definition for
// both sides, over the request's shape (proto-loader objects on the server,
// the SDK's request objects on the client).

interface Sized {
  readonly byteLength: number;
}

type Shape = {
  readonly key?: Sized | null;
  readonly value?: Sized | null;
  readonly expected?: Sized | null;
  readonly keys?: readonly Sized[] | null;
  readonly mutations?: readonly { readonly key?: Sized | null; readonly value?: Sized | null }[] | null;
};

/** A request's key and value bytes, plus a small fixed cost (every request occupies something). */
export function requestBytes(request: object | null | undefined): number {
  const r = (request ?? {}) as Shape;
  let n = 64 + (r.key?.byteLength ?? 0) + (r.value?.byteLength ?? 0) + (r.expected?.byteLength ?? 0);
  for (const k of r.keys ?? []) n += k.byteLength;
  for (const m of r.mutations ?? []) n += (m.key?.byteLength ?? 0) + (m.value?.byteLength ?? 0);
  return n;
}
