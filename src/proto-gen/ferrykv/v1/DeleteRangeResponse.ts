// Original file: proto/ferrykv.proto

import type { Long } from '@grpc/proto-loader';

export interface DeleteRangeResponse {
  'commitTs'?: (number | string | Long);
  'deleted'?: (number | string | Long);
}

export interface DeleteRangeResponse__Output {
  'commitTs': (string);
  'deleted': (string);
}
