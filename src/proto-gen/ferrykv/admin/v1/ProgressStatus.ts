// Original file: proto/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface ProgressStatus {
  'nodeId'?: (number);
  'match'?: (number | string | Long);
  'next'?: (number | string | Long);
  'state'?: (string);
  'learner'?: (boolean);
  'recentActive'?: (boolean);
}

export interface ProgressStatus__Output {
  'nodeId': (number);
  'match': (string);
  'next': (string);
  'state': (string);
  'learner': (boolean);
  'recentActive': (boolean);
}
