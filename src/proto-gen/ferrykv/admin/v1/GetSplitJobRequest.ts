// Original file: proto/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface GetSplitJobRequest {
  'jobId'?: (number | string | Long);
}

export interface GetSplitJobRequest__Output {
  'jobId': (string);
}
