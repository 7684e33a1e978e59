// Original file: proto/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface MembershipResponse {
  'voters'?: (number)[];
  'learners'?: (number)[];
  'index'?: (number | string | Long);
}

export interface MembershipResponse__Output {
  'voters': (number)[];
  'learners': (number)[];
  'index': (string);
}
