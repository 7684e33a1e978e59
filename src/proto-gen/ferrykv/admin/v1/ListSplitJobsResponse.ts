// Original file: proto/admin.proto

import type { SplitJob as _ferrykv_admin_v1_SplitJob, SplitJob__Output as _ferrykv_admin_v1_SplitJob__Output } from '../../../ferrykv/admin/v1/SplitJob.js';
import type { Long } from '@grpc/proto-loader';

export interface ListSplitJobsResponse {
  'jobs'?: (_ferrykv_admin_v1_SplitJob)[];
  'nextAfterJobId'?: (number | string | Long);
}

export interface ListSplitJobsResponse__Output {
  'jobs': (_ferrykv_admin_v1_SplitJob__Output)[];
  'nextAfterJobId': (string);
}
