// Original file: proto/ferrykv.proto

import type { Long } from '@grpc/proto-loader';

export interface TxnCommitResponse {
  'commitTs'?: (number | string | Long);
  'onePhase'?: (boolean);
}

export interface TxnCommitResponse__Output {
  'commitTs': (string);
  'onePhase': (boolean);
}
