// Original file: proto/ferrykv.proto

import type { Long } from '@grpc/proto-loader';

export interface TxnGetRequest {
  'key'?: (Buffer | Uint8Array | string);
  'startTs'?: (number | string | Long);
}

export interface TxnGetRequest__Output {
  'key': (Buffer);
  'startTs': (string);
}
