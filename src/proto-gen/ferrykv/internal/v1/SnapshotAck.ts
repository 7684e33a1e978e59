// Original file: proto/internal.proto


export interface SnapshotAck {
  'accepted'?: (boolean);
  'reason'?: (string);
}

export interface SnapshotAck__Output {
  'accepted': (boolean);
  'reason': (string);
}
