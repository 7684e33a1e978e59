// Original file: proto/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface SplitJobProgress {
  'backfillRows'?: (number | string | Long);
  'backfillBytes'?: (number | string | Long);
  'replayedRows'?: (number | string | Long);
  'replayedBytes'?: (number | string | Long);
  'rateBytesPerSec'?: (number | string | Long);
  'changeLogBacklog'?: (number | string | Long);
  'fenceWindowsMs'?: (number | string | Long)[];
  'phaseStartedAtMs'?: (number | string | Long);
  'estimatedBytes'?: (number | string | Long);
  'etaMs'?: (number | string | Long);
  'lastProgressAtMs'?: (number | string | Long);
}

export interface SplitJobProgress__Output {
  'backfillRows': (string);
  'backfillBytes': (string);
  'replayedRows': (string);
  'replayedBytes': (string);
  'rateBytesPerSec': (string);
  'changeLogBacklog': (string);
  'fenceWindowsMs': (string)[];
  'phaseStartedAtMs': (string);
  'estimatedBytes': (string);
  'etaMs': (string);
  'lastProgressAtMs': (string);
}
