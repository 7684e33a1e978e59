// Original file: proto/admin.proto

import type { ReplicaDigest as _ferrykv_admin_v1_ReplicaDigest, ReplicaDigest__Output as _ferrykv_admin_v1_ReplicaDigest__Output } from '../../../ferrykv/admin/v1/ReplicaDigest.js';
import type { KeyRange as _ferrykv_admin_v1_KeyRange, KeyRange__Output as _ferrykv_admin_v1_KeyRange__Output } from '../../../ferrykv/admin/v1/KeyRange.js';
import type { DifferingKey as _ferrykv_admin_v1_DifferingKey, DifferingKey__Output as _ferrykv_admin_v1_DifferingKey__Output } from '../../../ferrykv/admin/v1/DifferingKey.js';
import type { Long } from '@grpc/proto-loader';

export interface VerifyRangeResponse {
  'consistent'?: (boolean);
  'referenceNodeId'?: (number);
  'replicas'?: (_ferrykv_admin_v1_ReplicaDigest)[];
  'differingRanges'?: (_ferrykv_admin_v1_KeyRange)[];
  'differingKeys'?: (_ferrykv_admin_v1_DifferingKey)[];
  'keysTruncated'?: (boolean);
  'durationMs'?: (number | string | Long);
  'bytesScanned'?: (number | string | Long);
  'index'?: (number | string | Long);
  'nodesCompared'?: (number);
}

export interface VerifyRangeResponse__Output {
  'consistent': (boolean);
  'referenceNodeId': (number);
  'replicas': (_ferrykv_admin_v1_ReplicaDigest__Output)[];
  'differingRanges': (_ferrykv_admin_v1_KeyRange__Output)[];
  'differingKeys': (_ferrykv_admin_v1_DifferingKey__Output)[];
  'keysTruncated': (boolean);
  'durationMs': (string);
  'bytesScanned': (string);
  'index': (string);
  'nodesCompared': (number);
}
