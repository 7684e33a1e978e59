// Original file: proto/internal.proto

import type { Long } from '@grpc/proto-loader';

export interface MigrationRow {
  'family'?: (number);
  'key'?: (Buffer | Uint8Array | string);
  'ts'?: (number | string | Long);
  'value'?: (Buffer | Uint8Array | string);
  'tombstone'?: (boolean);
  'delete'?: (boolean);
}

export interface MigrationRow__Output {
  'family': (number);
  'key': (Buffer);
  'ts': (string);
  'value': (Buffer);
  'tombstone': (boolean);
  'delete': (boolean);
}
