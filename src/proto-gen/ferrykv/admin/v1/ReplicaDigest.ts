// Original file: proto/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface ReplicaDigest {
  'nodeId'?: (number);
  'root'?: (Buffer | Uint8Array | string);
  'leaves'?: (number);
  'bytes'?: (number | string | Long);
  'error'?: (string);
}

export interface ReplicaDigest__Output {
  'nodeId': (number);
  'root': (Buffer);
  'leaves': (number);
  'bytes': (string);
  'error': (string);
}
