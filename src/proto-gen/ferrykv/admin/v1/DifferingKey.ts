// Original file: proto/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface DifferingKey {
  'key'?: (Buffer | Uint8Array | string);
  'ts'?: (number | string | Long);
  'nodeId'?: (number);
  'kind'?: (string);
}

export interface DifferingKey__Output {
  'key': (Buffer);
  'ts': (string);
  'nodeId': (number);
  'kind': (string);
}
