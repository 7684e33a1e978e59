// Original file: proto/ferrykv.proto

import type { Long } from '@grpc/proto-loader';

export interface KeyValue {
  'key'?: (Buffer | Uint8Array | string);
  'value'?: (Buffer | Uint8Array | string);
  'versionTs'?: (number | string | Long);
}

export interface KeyValue__Output {
  'key': (Buffer);
  'value': (Buffer);
  'versionTs': (string);
}
