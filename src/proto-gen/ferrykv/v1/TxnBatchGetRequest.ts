// Original file: proto/ferrykv.proto

import type { Long } from '@grpc/proto-loader';

export interface TxnBatchGetRequest {
  'keys'?: (Buffer | Uint8Array | string)[];
  'startTs'?: (number | string | Long);
}

export interface TxnBatchGetRequest__Output {
  'keys': (Buffer)[];
  'startTs': (string);
}
