// Original file: proto/admin.proto

import type { ProgressStatus as _ferrykv_admin_v1_ProgressStatus, ProgressStatus__Output as _ferrykv_admin_v1_ProgressStatus__Output } from '../../../ferrykv/admin/v1/ProgressStatus.js';
import type { Long } from '@grpc/proto-loader';

export interface GroupStatus {
  'groupId'?: (number);
  'role'?: (string);
  'leaderId'?: (number);
  'term'?: (number | string | Long);
  'commit'?: (number | string | Long);
  'applied'?: (number | string | Long);
  'firstIndex'?: (number | string | Long);
  'lastIndex'?: (number | string | Long);
  'voters'?: (number)[];
  'learners'?: (number)[];
  'progress'?: (_ferrykv_admin_v1_ProgressStatus)[];
  'txnLocks'?: (number | string | Long);
}

export interface GroupStatus__Output {
  'groupId': (number);
  'role': (string);
  'leaderId': (number);
  'term': (string);
  'commit': (string);
  'applied': (string);
  'firstIndex': (string);
  'lastIndex': (string);
  'voters': (number)[];
  'learners': (number)[];
  'progress': (_ferrykv_admin_v1_ProgressStatus__Output)[];
  'txnLocks': (string);
}
