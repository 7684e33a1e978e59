// Original file: proto/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface JobOptions {
  'chunkBytes'?: (number);
  'rateLimitBytesPerSec'?: (number | string | Long);
  'cleanupGraceMs'?: (number | string | Long);
  'fenceBudgetMs'?: (number);
  'maxFenceAttempts'?: (number);
  'maxAttempts'?: (number);
  'skipVerify'?: (boolean);
  'cleanupGraceSet'?: (boolean);
}

export interface JobOptions__Output {
  'chunkBytes': (number);
  'rateLimitBytesPerSec': (string);
  'cleanupGraceMs': (string);
  'fenceBudgetMs': (number);
  'maxFenceAttempts': (number);
  'maxAttempts': (number);
  'skipVerify': (boolean);
  'cleanupGraceSet': (boolean);
}
