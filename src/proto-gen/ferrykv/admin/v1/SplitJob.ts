// Original file: proto/admin.proto

import type { JobOptions as _ferrykv_admin_v1_JobOptions, JobOptions__Output as _ferrykv_admin_v1_JobOptions__Output } from '../../../ferrykv/admin/v1/JobOptions.js';
import type { SplitJobProgress as _ferrykv_admin_v1_SplitJobProgress, SplitJobProgress__Output as _ferrykv_admin_v1_SplitJobProgress__Output } from '../../../ferrykv/admin/v1/SplitJobProgress.js';
import type { Long } from '@grpc/proto-loader';

export interface SplitJob {
  'jobId'?: (number | string | Long);
  'attempt'?: (number);
  'routeId'?: (number | string | Long);
  'sourceGroup'?: (number);
  'targetGroup'?: (number);
  'start'?: (Buffer | Uint8Array | string);
  'end'?: (Buffer | Uint8Array | string);
  'phase'?: (string);
  'createdAtMs'?: (number | string | Long);
  'updatedAtMs'?: (number | string | Long);
  'options'?: (_ferrykv_admin_v1_JobOptions | null);
  'progress'?: (_ferrykv_admin_v1_SplitJobProgress | null);
  'fenceAttempts'?: (number);
  'lastError'?: (string);
  'abandonRequested'?: (boolean);
  'verifyResult'?: (string);
  'releaseTs'?: (number | string | Long);
  'floor'?: (number | string | Long);
  'owner'?: (number);
  'version'?: (number | string | Long);
  'stalled'?: (boolean);
  'stallReason'?: (string);
}

export interface SplitJob__Output {
  'jobId': (string);
  'attempt': (number);
  'routeId': (string);
  'sourceGroup': (number);
  'targetGroup': (number);
  'start': (Buffer);
  'end': (Buffer);
  'phase': (string);
  'createdAtMs': (string);
  'updatedAtMs': (string);
  'options': (_ferrykv_admin_v1_JobOptions__Output | null);
  'progress': (_ferrykv_admin_v1_SplitJobProgress__Output | null);
  'fenceAttempts': (number);
  'lastError': (string);
  'abandonRequested': (boolean);
  'verifyResult': (string);
  'releaseTs': (string);
  'floor': (string);
  'owner': (number);
  'version': (string);
  'stalled': (boolean);
  'stallReason': (string);
}
