// Original file: proto/ferrykv.proto

import type { GetRequest as _ferrykv_v1_GetRequest, GetRequest__Output as _ferrykv_v1_GetRequest__Output } from '../../ferrykv/v1/GetRequest.js';
import type { PutRequest as _ferrykv_v1_PutRequest, PutRequest__Output as _ferrykv_v1_PutRequest__Output } from '../../ferrykv/v1/PutRequest.js';
import type { DeleteRequest as _ferrykv_v1_DeleteRequest, DeleteRequest__Output as _ferrykv_v1_DeleteRequest__Output } from '../../ferrykv/v1/DeleteRequest.js';
import type { CompareAndSwapRequest as _ferrykv_v1_CompareAndSwapRequest, CompareAndSwapRequest__Output as _ferrykv_v1_CompareAndSwapRequest__Output } from '../../ferrykv/v1/CompareAndSwapRequest.js';
import type { BatchGetRequest as _ferrykv_v1_BatchGetRequest, BatchGetRequest__Output as _ferrykv_v1_BatchGetRequest__Output } from '../../ferrykv/v1/BatchGetRequest.js';
import type { BatchWriteRequest as _ferrykv_v1_BatchWriteRequest, BatchWriteRequest__Output as _ferrykv_v1_BatchWriteRequest__Output } from '../../ferrykv/v1/BatchWriteRequest.js';
import type { DeleteRangeRequest as _ferrykv_v1_DeleteRangeRequest, DeleteRangeRequest__Output as _ferrykv_v1_DeleteRangeRequest__Output } from '../../ferrykv/v1/DeleteRangeRequest.js';
import type { ScanRequest as _ferrykv_v1_ScanRequest, ScanRequest__Output as _ferrykv_v1_ScanRequest__Output } from '../../ferrykv/v1/ScanRequest.js';
import type { BeginTxnRequest as _ferrykv_v1_BeginTxnRequest, BeginTxnRequest__Output as _ferrykv_v1_BeginTxnRequest__Output } from '../../ferrykv/v1/BeginTxnRequest.js';
import type { TxnGetRequest as _ferrykv_v1_TxnGetRequest, TxnGetRequest__Output as _ferrykv_v1_TxnGetRequest__Output } from '../../ferrykv/v1/TxnGetRequest.js';
import type { TxnBatchGetRequest as _ferrykv_v1_TxnBatchGetRequest, TxnBatchGetRequest__Output as _ferrykv_v1_TxnBatchGetRequest__Output } from '../../ferrykv/v1/TxnBatchGetRequest.js';
import type { TxnScanRequest as _ferrykv_v1_TxnScanRequest, TxnScanRequest__Output as _ferrykv_v1_TxnScanRequest__Output } from '../../ferrykv/v1/TxnScanRequest.js';
import type { TxnCommitRequest as _ferrykv_v1_TxnCommitRequest, TxnCommitRequest__Output as _ferrykv_v1_TxnCommitRequest__Output } from '../../ferrykv/v1/TxnCommitRequest.js';

export interface Op {
  'id'?: (number);
  'get'?: (_ferrykv_v1_GetRequest | null);
  'put'?: (_ferrykv_v1_PutRequest | null);
  'delete'?: (_ferrykv_v1_DeleteRequest | null);
  'compareAndSwap'?: (_ferrykv_v1_CompareAndSwapRequest | null);
  'batchGet'?: (_ferrykv_v1_BatchGetRequest | null);
  'batchWrite'?: (_ferrykv_v1_BatchWriteRequest | null);
  'deleteRange'?: (_ferrykv_v1_DeleteRangeRequest | null);
  'scan'?: (_ferrykv_v1_ScanRequest | null);
  'beginTxn'?: (_ferrykv_v1_BeginTxnRequest | null);
  'txnGet'?: (_ferrykv_v1_TxnGetRequest | null);
  'txnBatchGet'?: (_ferrykv_v1_TxnBatchGetRequest | null);
  'txnScan'?: (_ferrykv_v1_TxnScanRequest | null);
  'txnCommit'?: (_ferrykv_v1_TxnCommitRequest | null);
  'request'?: "get"|"put"|"delete"|"compareAndSwap"|"batchGet"|"batchWrite"|"deleteRange"|"scan"|"beginTxn"|"txnGet"|"txnBatchGet"|"txnScan"|"txnCommit";
}

export interface Op__Output {
  'id': (number);
  'get'?: (_ferrykv_v1_GetRequest__Output | null);
  'put'?: (_ferrykv_v1_PutRequest__Output | null);
  'delete'?: (_ferrykv_v1_DeleteRequest__Output | null);
  'compareAndSwap'?: (_ferrykv_v1_CompareAndSwapRequest__Output | null);
  'batchGet'?: (_ferrykv_v1_BatchGetRequest__Output | null);
  'batchWrite'?: (_ferrykv_v1_BatchWriteRequest__Output | null);
  'deleteRange'?: (_ferrykv_v1_DeleteRangeRequest__Output | null);
  'scan'?: (_ferrykv_v1_ScanRequest__Output | null);
  'beginTxn'?: (_ferrykv_v1_BeginTxnRequest__Output | null);
  'txnGet'?: (_ferrykv_v1_TxnGetRequest__Output | null);
  'txnBatchGet'?: (_ferrykv_v1_TxnBatchGetRequest__Output | null);
  'txnScan'?: (_ferrykv_v1_TxnScanRequest__Output | null);
  'txnCommit'?: (_ferrykv_v1_TxnCommitRequest__Output | null);
  'request'?: "get"|"put"|"delete"|"compareAndSwap"|"batchGet"|"batchWrite"|"deleteRange"|"scan"|"beginTxn"|"txnGet"|"txnBatchGet"|"txnScan"|"txnCommit";
}
