// Original file: proto/ferrykv.proto

import type { Long } from '@grpc/proto-loader';

export interface BeginTxnRequest {
  'afterTs'?: (number | string | Long);
}

export interface BeginTxnRequest__Output {
  'afterTs': (string);
}
