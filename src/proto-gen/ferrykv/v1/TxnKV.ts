// Original file: proto/ferrykv.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { BatchGetResponse as _ferrykv_v1_BatchGetResponse, BatchGetResponse__Output as _ferrykv_v1_BatchGetResponse__Output } from '../../ferrykv/v1/BatchGetResponse.js';
import type { BeginTxnRequest as _ferrykv_v1_BeginTxnRequest, BeginTxnRequest__Output as _ferrykv_v1_BeginTxnRequest__Output } from '../../ferrykv/v1/BeginTxnRequest.js';
import type { BeginTxnResponse as _ferrykv_v1_BeginTxnResponse, BeginTxnResponse__Output as _ferrykv_v1_BeginTxnResponse__Output } from '../../ferrykv/v1/BeginTxnResponse.js';
import type { GetResponse as _ferrykv_v1_GetResponse, GetResponse__Output as _ferrykv_v1_GetResponse__Output } from '../../ferrykv/v1/GetResponse.js';
import type { ScanResponse as _ferrykv_v1_ScanResponse, ScanResponse__Output as _ferrykv_v1_ScanResponse__Output } from '../../ferrykv/v1/ScanResponse.js';
import type { TxnBatchGetRequest as _ferrykv_v1_TxnBatchGetRequest, TxnBatchGetRequest__Output as _ferrykv_v1_TxnBatchGetRequest__Output } from '../../ferrykv/v1/TxnBatchGetRequest.js';
import type { TxnCommitRequest as _ferrykv_v1_TxnCommitRequest, TxnCommitRequest__Output as _ferrykv_v1_TxnCommitRequest__Output } from '../../ferrykv/v1/TxnCommitRequest.js';
import type { TxnCommitResponse as _ferrykv_v1_TxnCommitResponse, TxnCommitResponse__Output as _ferrykv_v1_TxnCommitResponse__Output } from '../../ferrykv/v1/TxnCommitResponse.js';
import type { TxnGetRequest as _ferrykv_v1_TxnGetRequest, TxnGetRequest__Output as _ferrykv_v1_TxnGetRequest__Output } from '../../ferrykv/v1/TxnGetRequest.js';
import type { TxnScanRequest as _ferrykv_v1_TxnScanRequest, TxnScanRequest__Output as _ferrykv_v1_TxnScanRequest__Output } from '../../ferrykv/v1/TxnScanRequest.js';

export interface TxnKVClient extends grpc.Client {
  BeginTxn(argument: _ferrykv_v1_BeginTxnRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_BeginTxnResponse__Output>): grpc.ClientUnaryCall;
  BeginTxn(argument: _ferrykv_v1_BeginTxnRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_v1_BeginTxnResponse__Output>): grpc.ClientUnaryCall;
  BeginTxn(argument: _ferrykv_v1_BeginTxnRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_BeginTxnResponse__Output>): grpc.ClientUnaryCall;
  BeginTxn(argument: _ferrykv_v1_BeginTxnRequest, callback: grpc.requestCallback<_ferrykv_v1_BeginTxnResponse__Output>): grpc.ClientUnaryCall;
  beginTxn(argument: _ferrykv_v1_BeginTxnRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_BeginTxnResponse__Output>): grpc.ClientUnaryCall;
  beginTxn(argument: _ferrykv_v1_BeginTxnRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_v1_BeginTxnResponse__Output>): grpc.ClientUnaryCall;
  beginTxn(argument: _ferrykv_v1_BeginTxnRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_BeginTxnResponse__Output>): grpc.ClientUnaryCall;
  beginTxn(argument: _ferrykv_v1_BeginTxnRequest, callback: grpc.requestCallback<_ferrykv_v1_BeginTxnResponse__Output>): grpc.ClientUnaryCall;
  
  TxnBatchGet(argument: _ferrykv_v1_TxnBatchGetRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_BatchGetResponse__Output>): grpc.ClientUnaryCall;
  TxnBatchGet(argument: _ferrykv_v1_TxnBatchGetRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_v1_BatchGetResponse__Output>): grpc.ClientUnaryCall;
  TxnBatchGet(argument: _ferrykv_v1_TxnBatchGetRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_BatchGetResponse__Output>): grpc.ClientUnaryCall;
  TxnBatchGet(argument: _ferrykv_v1_TxnBatchGetRequest, callback: grpc.requestCallback<_ferrykv_v1_BatchGetResponse__Output>): grpc.ClientUnaryCall;
  txnBatchGet(argument: _ferrykv_v1_TxnBatchGetRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_BatchGetResponse__Output>): grpc.ClientUnaryCall;
  txnBatchGet(argument: _ferrykv_v1_TxnBatchGetRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_v1_BatchGetResponse__Output>): grpc.ClientUnaryCall;
  txnBatchGet(argument: _ferrykv_v1_TxnBatchGetRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_BatchGetResponse__Output>): grpc.ClientUnaryCall;
  txnBatchGet(argument: _ferrykv_v1_TxnBatchGetRequest, callback: grpc.requestCallback<_ferrykv_v1_BatchGetResponse__Output>): grpc.ClientUnaryCall;
  
  TxnCommit(argument: _ferrykv_v1_TxnCommitRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_TxnCommitResponse__Output>): grpc.ClientUnaryCall;
  TxnCommit(argument: _ferrykv_v1_TxnCommitRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_v1_TxnCommitResponse__Output>): grpc.ClientUnaryCall;
  TxnCommit(argument: _ferrykv_v1_TxnCommitRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_TxnCommitResponse__Output>): grpc.ClientUnaryCall;
  TxnCommit(argument: _ferrykv_v1_TxnCommitRequest, callback: grpc.requestCallback<_ferrykv_v1_TxnCommitResponse__Output>): grpc.ClientUnaryCall;
  txnCommit(argument: _ferrykv_v1_TxnCommitRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_TxnCommitResponse__Output>): grpc.ClientUnaryCall;
  txnCommit(argument: _ferrykv_v1_TxnCommitRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_v1_TxnCommitResponse__Output>): grpc.ClientUnaryCall;
  txnCommit(argument: _ferrykv_v1_TxnCommitRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_TxnCommitResponse__Output>): grpc.ClientUnaryCall;
  txnCommit(argument: _ferrykv_v1_TxnCommitRequest, callback: grpc.requestCallback<_ferrykv_v1_TxnCommitResponse__Output>): grpc.ClientUnaryCall;
  
  TxnGet(argument: _ferrykv_v1_TxnGetRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  TxnGet(argument: _ferrykv_v1_TxnGetRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  TxnGet(argument: _ferrykv_v1_TxnGetRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  TxnGet(argument: _ferrykv_v1_TxnGetRequest, callback: grpc.requestCallback<_ferrykv_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  txnGet(argument: _ferrykv_v1_TxnGetRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  txnGet(argument: _ferrykv_v1_TxnGetRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  txnGet(argument: _ferrykv_v1_TxnGetRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  txnGet(argument: _ferrykv_v1_TxnGetRequest, callback: grpc.requestCallback<_ferrykv_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  
  TxnScan(argument: _ferrykv_v1_TxnScanRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_ScanResponse__Output>): grpc.ClientUnaryCall;
  TxnScan(argument: _ferrykv_v1_TxnScanRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_v1_ScanResponse__Output>): grpc.ClientUnaryCall;
  TxnScan(argument: _ferrykv_v1_TxnScanRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_ScanResponse__Output>): grpc.ClientUnaryCall;
  TxnScan(argument: _ferrykv_v1_TxnScanRequest, callback: grpc.requestCallback<_ferrykv_v1_ScanResponse__Output>): grpc.ClientUnaryCall;
  txnScan(argument: _ferrykv_v1_TxnScanRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_ScanResponse__Output>): grpc.ClientUnaryCall;
  txnScan(argument: _ferrykv_v1_TxnScanRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_v1_ScanResponse__Output>): grpc.ClientUnaryCall;
  txnScan(argument: _ferrykv_v1_TxnScanRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_ScanResponse__Output>): grpc.ClientUnaryCall;
  txnScan(argument: _ferrykv_v1_TxnScanRequest, callback: grpc.requestCallback<_ferrykv_v1_ScanResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface TxnKVHandlers extends grpc.UntypedServiceImplementation {
  BeginTxn: grpc.handleUnaryCall<_ferrykv_v1_BeginTxnRequest__Output, _ferrykv_v1_BeginTxnResponse>;
  
  TxnBatchGet: grpc.handleUnaryCall<_ferrykv_v1_TxnBatchGetRequest__Output, _ferrykv_v1_BatchGetResponse>;
  
  TxnCommit: grpc.handleUnaryCall<_ferrykv_v1_TxnCommitRequest__Output, _ferrykv_v1_TxnCommitResponse>;
  
  TxnGet: grpc.handleUnaryCall<_ferrykv_v1_TxnGetRequest__Output, _ferrykv_v1_GetResponse>;
  
  TxnScan: grpc.handleUnaryCall<_ferrykv_v1_TxnScanRequest__Output, _ferrykv_v1_ScanResponse>;
  
}

export interface TxnKVDefinition extends grpc.ServiceDefinition {
  BeginTxn: MethodDefinition<_ferrykv_v1_BeginTxnRequest, _ferrykv_v1_BeginTxnResponse, _ferrykv_v1_BeginTxnRequest__Output, _ferrykv_v1_BeginTxnResponse__Output>
  TxnBatchGet: MethodDefinition<_ferrykv_v1_TxnBatchGetRequest, _ferrykv_v1_BatchGetResponse, _ferrykv_v1_TxnBatchGetRequest__Output, _ferrykv_v1_BatchGetResponse__Output>
  TxnCommit: MethodDefinition<_ferrykv_v1_TxnCommitRequest, _ferrykv_v1_TxnCommitResponse, _ferrykv_v1_TxnCommitRequest__Output, _ferrykv_v1_TxnCommitResponse__Output>
  TxnGet: MethodDefinition<_ferrykv_v1_TxnGetRequest, _ferrykv_v1_GetResponse, _ferrykv_v1_TxnGetRequest__Output, _ferrykv_v1_GetResponse__Output>
  TxnScan: MethodDefinition<_ferrykv_v1_TxnScanRequest, _ferrykv_v1_ScanResponse, _ferrykv_v1_TxnScanRequest__Output, _ferrykv_v1_ScanResponse__Output>
}
