// Original file: proto/ferrykv.proto

import type { Long } from '@grpc/proto-loader';

export interface BeginTxnResponse {
  'startTs'?: (number | string | Long);
}

export interface BeginTxnResponse__Output {
  'startTs': (string);
}
