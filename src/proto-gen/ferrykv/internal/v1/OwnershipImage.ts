// Original file: proto/internal.proto

import type { OwnedInterval as _ferrykv_internal_v1_OwnedInterval, OwnedInterval__Output as _ferrykv_internal_v1_OwnedInterval__Output } from '../../../ferrykv/internal/v1/OwnedInterval.js';

export interface OwnershipImage {
  'intervals'?: (_ferrykv_internal_v1_OwnedInterval)[];
}

export interface OwnershipImage__Output {
  'intervals': (_ferrykv_internal_v1_OwnedInterval__Output)[];
}
