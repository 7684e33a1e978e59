// Original file: proto/internal.proto


export interface StoreClaim {
  'clusterId'?: (string);
  'storeId'?: (Buffer | Uint8Array | string);
  'replacesStore'?: (Buffer | Uint8Array | string);
}

export interface StoreClaim__Output {
  'clusterId': (string);
  'storeId': (Buffer);
  'replacesStore': (Buffer);
}
