// Original file: proto/ferrykv.proto

import type { Long } from '@grpc/proto-loader';

export interface BatchGetRequest {
  'keys'?: (Buffer | Uint8Array | string)[];
  'readTs'?: (number | string | Long);
}

export interface BatchGetRequest__Output {
  'keys': (Buffer)[];
  'readTs': (string);
}
