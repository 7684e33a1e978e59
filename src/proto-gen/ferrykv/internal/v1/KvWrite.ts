// Original file: proto/internal.proto


export interface KvWrite {
  'key'?: (Buffer | Uint8Array | string);
  'value'?: (Buffer | Uint8Array | string);
  'tombstone'?: (boolean);
}

export interface KvWrite__Output {
  'key': (Buffer);
  'value': (Buffer);
  'tombstone': (boolean);
}
