// Original file: proto/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface AbandonSplitJobRequest {
  'jobId'?: (number | string | Long);
}

export interface AbandonSplitJobRequest__Output {
  'jobId': (string);
}
