// Original file: proto/ferrykv.proto

import type { Long } from '@grpc/proto-loader';

export interface GetRequest {
  'key'?: (Buffer | Uint8Array | string);
  'readTs'?: (number | string | Long);
}

export interface GetRequest__Output {
  'key': (Buffer);
  'readTs': (string);
}
