// Original file: proto/ferrykv.proto

import type { GetResponse as _ferrykv_v1_GetResponse, GetResponse__Output as _ferrykv_v1_GetResponse__Output } from '../../ferrykv/v1/GetResponse.js';
import type { WriteResponse as _ferrykv_v1_WriteResponse, WriteResponse__Output as _ferrykv_v1_WriteResponse__Output } from '../../ferrykv/v1/WriteResponse.js';
import type { CompareAndSwapResponse as _ferrykv_v1_CompareAndSwapResponse, CompareAndSwapResponse__Output as _ferrykv_v1_CompareAndSwapResponse__Output } from '../../ferrykv/v1/CompareAndSwapResponse.js';
import type { BatchGetResponse as _ferrykv_v1_BatchGetResponse, BatchGetResponse__Output as _ferrykv_v1_BatchGetResponse__Output } from '../../ferrykv/v1/BatchGetResponse.js';
import type { DeleteRangeResponse as _ferrykv_v1_DeleteRangeResponse, DeleteRangeResponse__Output as _ferrykv_v1_DeleteRangeResponse__Output } from '../../ferrykv/v1/DeleteRangeResponse.js';
import type { ScanResponse as _ferrykv_v1_ScanResponse, ScanResponse__Output as _ferrykv_v1_ScanResponse__Output } from '../../ferrykv/v1/ScanResponse.js';
import type { BeginTxnResponse as _ferrykv_v1_BeginTxnResponse, BeginTxnResponse__Output as _ferrykv_v1_BeginTxnResponse__Output } from '../../ferrykv/v1/BeginTxnResponse.js';
import type { TxnCommitResponse as _ferrykv_v1_TxnCommitResponse, TxnCommitResponse__Output as _ferrykv_v1_TxnCommitResponse__Output } from '../../ferrykv/v1/TxnCommitResponse.js';

export interface OpResult {
  'id'?: (number);
  'get'?: (_ferrykv_v1_GetResponse | null);
  'write'?: (_ferrykv_v1_WriteResponse | null);
  'compareAndSwap'?: (_ferrykv_v1_CompareAndSwapResponse | null);
  'batchGet'?: (_ferrykv_v1_BatchGetResponse | null);
  'deleteRange'?: (_ferrykv_v1_DeleteRangeResponse | null);
  'scan'?: (_ferrykv_v1_ScanResponse | null);
  'error'?: (Buffer | Uint8Array | string);
  'beginTxn'?: (_ferrykv_v1_BeginTxnResponse | null);
  'txnCommit'?: (_ferrykv_v1_TxnCommitResponse | null);
  'response'?: "get"|"write"|"compareAndSwap"|"batchGet"|"deleteRange"|"scan"|"error"|"beginTxn"|"txnCommit";
}

export interface OpResult__Output {
  'id': (number);
  'get'?: (_ferrykv_v1_GetResponse__Output | null);
  'write'?: (_ferrykv_v1_WriteResponse__Output | null);
  'compareAndSwap'?: (_ferrykv_v1_CompareAndSwapResponse__Output | null);
  'batchGet'?: (_ferrykv_v1_BatchGetResponse__Output | null);
  'deleteRange'?: (_ferrykv_v1_DeleteRangeResponse__Output | null);
  'scan'?: (_ferrykv_v1_ScanResponse__Output | null);
  'error'?: (Buffer);
  'beginTxn'?: (_ferrykv_v1_BeginTxnResponse__Output | null);
  'txnCommit'?: (_ferrykv_v1_TxnCommitResponse__Output | null);
  'response'?: "get"|"write"|"compareAndSwap"|"batchGet"|"deleteRange"|"scan"|"error"|"beginTxn"|"txnCommit";
}
