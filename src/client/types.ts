// The SDK's value types, shared by the client and its transactions.

export type Bytes = string | Uint8Array;

export interface CallOptions {
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface Versioned {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
  readonly versionTs: bigint;
}
