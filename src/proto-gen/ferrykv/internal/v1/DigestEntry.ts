// Original file: proto/internal.proto

import type { Long } from '@grpc/proto-loader';

export interface DigestEntry {
  'key'?: (Buffer | Uint8Array | string);
  'ts'?: (number | string | Long);
  'value'?: (Buffer | Uint8Array | string);
  'tombstone'?: (boolean);
}

export interface DigestEntry__Output {
  'key': (Buffer);
  'ts': (string);
  'value': (Buffer);
  'tombstone': (boolean);
}
