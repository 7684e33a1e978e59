// Original file: proto/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface ListSplitJobsRequest {
  'phases'?: (string)[];
  'afterJobId'?: (number | string | Long);
  'limit'?: (number);
}

export interface ListSplitJobsRequest__Output {
  'phases': (string)[];
  'afterJobId': (string);
  'limit': (number);
}
