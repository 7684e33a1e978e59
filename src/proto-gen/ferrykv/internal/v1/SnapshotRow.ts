// Original file: proto/internal.proto


export interface SnapshotRow {
  'key'?: (Buffer | Uint8Array | string);
  'value'?: (Buffer | Uint8Array | string);
}

export interface SnapshotRow__Output {
  'key': (Buffer);
  'value': (Buffer);
}
