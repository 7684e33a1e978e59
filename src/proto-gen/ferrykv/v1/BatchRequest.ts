// Original file: proto/ferrykv.proto

import type { Op as _ferrykv_v1_Op, Op__Output as _ferrykv_v1_Op__Output } from '../../ferrykv/v1/Op.js';

export interface BatchRequest {
  'ops'?: (_ferrykv_v1_Op)[];
}

export interface BatchRequest__Output {
  'ops': (_ferrykv_v1_Op__Output)[];
}
