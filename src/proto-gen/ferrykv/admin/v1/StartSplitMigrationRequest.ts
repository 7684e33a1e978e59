// Original file: proto/admin.proto

import type { JobOptions as _ferrykv_admin_v1_JobOptions, JobOptions__Output as _ferrykv_admin_v1_JobOptions__Output } from '../../../ferrykv/admin/v1/JobOptions.js';
import type { Long } from '@grpc/proto-loader';

export interface StartSplitMigrationRequest {
  'routeId'?: (number | string | Long);
  'splitKey'?: (Buffer | Uint8Array | string);
  'targetGroup'?: (number);
  'options'?: (_ferrykv_admin_v1_JobOptions | null);
}

export interface StartSplitMigrationRequest__Output {
  'routeId': (string);
  'splitKey': (Buffer);
  'targetGroup': (number);
  'options': (_ferrykv_admin_v1_JobOptions__Output | null);
}
