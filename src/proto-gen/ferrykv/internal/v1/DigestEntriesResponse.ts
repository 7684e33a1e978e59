// Original file: proto/internal.proto

import type { DigestEntry as _ferrykv_internal_v1_DigestEntry, DigestEntry__Output as _ferrykv_internal_v1_DigestEntry__Output } from '../../../ferrykv/internal/v1/DigestEntry.js';

export interface DigestEntriesResponse {
  'entries'?: (_ferrykv_internal_v1_DigestEntry)[];
  'truncated'?: (boolean);
}

export interface DigestEntriesResponse__Output {
  'entries': (_ferrykv_internal_v1_DigestEntry__Output)[];
  'truncated': (boolean);
}
