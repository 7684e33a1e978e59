// Original file: proto/ferrykv.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { BatchGetRequest as _ferrykv_v1_BatchGetRequest, BatchGetRequest__Output as _ferrykv_v1_BatchGetRequest__Output } from '../../ferrykv/v1/BatchGetRequest.js';
import type { BatchGetResponse as _ferrykv_v1_BatchGetResponse, BatchGetResponse__Output as _ferrykv_v1_BatchGetResponse__Output } from '../../ferrykv/v1/BatchGetResponse.js';
import type { BatchRequest as _ferrykv_v1_BatchRequest, BatchRequest__Output as _ferrykv_v1_BatchRequest__Output } from '../../ferrykv/v1/BatchRequest.js';
import type { BatchResponse as _ferrykv_v1_BatchResponse, BatchResponse__Output as _ferrykv_v1_BatchResponse__Output } from '../../ferrykv/v1/BatchResponse.js';
import type { BatchWriteRequest as _ferrykv_v1_BatchWriteRequest, BatchWriteRequest__Output as _ferrykv_v1_BatchWriteRequest__Output } from '../../ferrykv/v1/BatchWriteRequest.js';
import type { CompareAndSwapRequest as _ferrykv_v1_CompareAndSwapRequest, CompareAndSwapRequest__Output as _ferrykv_v1_CompareAndSwapRequest__Output } from '../../ferrykv/v1/CompareAndSwapRequest.js';
import type { CompareAndSwapResponse as _ferrykv_v1_CompareAndSwapResponse, CompareAndSwapResponse__Output as _ferrykv_v1_CompareAndSwapResponse__Output } from '../../ferrykv/v1/CompareAndSwapResponse.js';
import type { DeleteRangeRequest as _ferrykv_v1_DeleteRangeRequest, DeleteRangeRequest__Output as _ferrykv_v1_DeleteRangeRequest__Output } from '../../ferrykv/v1/DeleteRangeRequest.js';
import type { DeleteRangeResponse as _ferrykv_v1_DeleteRangeResponse, DeleteRangeResponse__Output as _ferrykv_v1_DeleteRangeResponse__Output } from '../../ferrykv/v1/DeleteRangeResponse.js';
import type { DeleteRequest as _ferrykv_v1_DeleteRequest, DeleteRequest__Output as _ferrykv_v1_DeleteRequest__Output } from '../../ferrykv/v1/DeleteRequest.js';
import type { GetRequest as _ferrykv_v1_GetRequest, GetRequest__Output as _ferrykv_v1_GetRequest__Output } from '../../ferrykv/v1/GetRequest.js';
import type { GetResponse as _ferrykv_v1_GetResponse, GetResponse__Output as _ferrykv_v1_GetResponse__Output } from '../../ferrykv/v1/GetResponse.js';
import type { PutRequest as _ferrykv_v1_PutRequest, PutRequest__Output as _ferrykv_v1_PutRequest__Output } from '../../ferrykv/v1/PutRequest.js';
import type { ScanRequest as _ferrykv_v1_ScanRequest, ScanRequest__Output as _ferrykv_v1_ScanRequest__Output } from '../../ferrykv/v1/ScanRequest.js';
import type { ScanResponse as _ferrykv_v1_ScanResponse, ScanResponse__Output as _ferrykv_v1_ScanResponse__Output } from '../../ferrykv/v1/ScanResponse.js';
import type { WriteResponse as _ferrykv_v1_WriteResponse, WriteResponse__Output as _ferrykv_v1_WriteResponse__Output } from '../../ferrykv/v1/WriteResponse.js';

export interface RawKVClient extends grpc.Client {
  Batch(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_ferrykv_v1_BatchRequest, _ferrykv_v1_BatchResponse__Output>;
  Batch(options?: grpc.CallOptions): grpc.ClientDuplexStream<_ferrykv_v1_BatchRequest, _ferrykv_v1_BatchResponse__Output>;
  batch(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_ferrykv_v1_BatchRequest, _ferrykv_v1_BatchResponse__Output>;
  batch(options?: grpc.CallOptions): grpc.ClientDuplexStream<_ferrykv_v1_BatchRequest, _ferrykv_v1_BatchResponse__Output>;
  
  BatchGet(argument: _ferrykv_v1_BatchGetRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_BatchGetResponse__Output>): grpc.ClientUnaryCall;
  BatchGet(argument: _ferrykv_v1_BatchGetRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_v1_BatchGetResponse__Output>): grpc.ClientUnaryCall;
  BatchGet(argument: _ferrykv_v1_BatchGetRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_BatchGetResponse__Output>): grpc.ClientUnaryCall;
  BatchGet(argument: _ferrykv_v1_BatchGetRequest, callback: grpc.requestCallback<_ferrykv_v1_BatchGetResponse__Output>): grpc.ClientUnaryCall;
  batchGet(argument: _ferrykv_v1_BatchGetRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_BatchGetResponse__Output>): grpc.ClientUnaryCall;
  batchGet(argument: _ferrykv_v1_BatchGetRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_v1_BatchGetResponse__Output>): grpc.ClientUnaryCall;
  batchGet(argument: _ferrykv_v1_BatchGetRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_BatchGetResponse__Output>): grpc.ClientUnaryCall;
  batchGet(argument: _ferrykv_v1_BatchGetRequest, callback: grpc.requestCallback<_ferrykv_v1_BatchGetResponse__Output>): grpc.ClientUnaryCall;
  
  BatchWrite(argument: _ferrykv_v1_BatchWriteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  BatchWrite(argument: _ferrykv_v1_BatchWriteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  BatchWrite(argument: _ferrykv_v1_BatchWriteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  BatchWrite(argument: _ferrykv_v1_BatchWriteRequest, callback: grpc.requestCallback<_ferrykv_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  batchWrite(argument: _ferrykv_v1_BatchWriteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  batchWrite(argument: _ferrykv_v1_BatchWriteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  batchWrite(argument: _ferrykv_v1_BatchWriteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  batchWrite(argument: _ferrykv_v1_BatchWriteRequest, callback: grpc.requestCallback<_ferrykv_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  
  CompareAndSwap(argument: _ferrykv_v1_CompareAndSwapRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_CompareAndSwapResponse__Output>): grpc.ClientUnaryCall;
  CompareAndSwap(argument: _ferrykv_v1_CompareAndSwapRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_v1_CompareAndSwapResponse__Output>): grpc.ClientUnaryCall;
  CompareAndSwap(argument: _ferrykv_v1_CompareAndSwapRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_CompareAndSwapResponse__Output>): grpc.ClientUnaryCall;
  CompareAndSwap(argument: _ferrykv_v1_CompareAndSwapRequest, callback: grpc.requestCallback<_ferrykv_v1_CompareAndSwapResponse__Output>): grpc.ClientUnaryCall;
  compareAndSwap(argument: _ferrykv_v1_CompareAndSwapRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_CompareAndSwapResponse__Output>): grpc.ClientUnaryCall;
  compareAndSwap(argument: _ferrykv_v1_CompareAndSwapRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_v1_CompareAndSwapResponse__Output>): grpc.ClientUnaryCall;
  compareAndSwap(argument: _ferrykv_v1_CompareAndSwapRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_CompareAndSwapResponse__Output>): grpc.ClientUnaryCall;
  compareAndSwap(argument: _ferrykv_v1_CompareAndSwapRequest, callback: grpc.requestCallback<_ferrykv_v1_CompareAndSwapResponse__Output>): grpc.ClientUnaryCall;
  
  Delete(argument: _ferrykv_v1_DeleteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  Delete(argument: _ferrykv_v1_DeleteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  Delete(argument: _ferrykv_v1_DeleteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  Delete(argument: _ferrykv_v1_DeleteRequest, callback: grpc.requestCallback<_ferrykv_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  delete(argument: _ferrykv_v1_DeleteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  delete(argument: _ferrykv_v1_DeleteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  delete(argument: _ferrykv_v1_DeleteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  delete(argument: _ferrykv_v1_DeleteRequest, callback: grpc.requestCallback<_ferrykv_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  
  DeleteRange(argument: _ferrykv_v1_DeleteRangeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_DeleteRangeResponse__Output>): grpc.ClientUnaryCall;
  DeleteRange(argument: _ferrykv_v1_DeleteRangeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_v1_DeleteRangeResponse__Output>): grpc.ClientUnaryCall;
  DeleteRange(argument: _ferrykv_v1_DeleteRangeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_DeleteRangeResponse__Output>): grpc.ClientUnaryCall;
  DeleteRange(argument: _ferrykv_v1_DeleteRangeRequest, callback: grpc.requestCallback<_ferrykv_v1_DeleteRangeResponse__Output>): grpc.ClientUnaryCall;
  deleteRange(argument: _ferrykv_v1_DeleteRangeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_DeleteRangeResponse__Output>): grpc.ClientUnaryCall;
  deleteRange(argument: _ferrykv_v1_DeleteRangeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_v1_DeleteRangeResponse__Output>): grpc.ClientUnaryCall;
  deleteRange(argument: _ferrykv_v1_DeleteRangeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_DeleteRangeResponse__Output>): grpc.ClientUnaryCall;
  deleteRange(argument: _ferrykv_v1_DeleteRangeRequest, callback: grpc.requestCallback<_ferrykv_v1_DeleteRangeResponse__Output>): grpc.ClientUnaryCall;
  
  Get(argument: _ferrykv_v1_GetRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  Get(argument: _ferrykv_v1_GetRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  Get(argument: _ferrykv_v1_GetRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  Get(argument: _ferrykv_v1_GetRequest, callback: grpc.requestCallback<_ferrykv_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  get(argument: _ferrykv_v1_GetRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  get(argument: _ferrykv_v1_GetRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  get(argument: _ferrykv_v1_GetRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  get(argument: _ferrykv_v1_GetRequest, callback: grpc.requestCallback<_ferrykv_v1_GetResponse__Output>): grpc.ClientUnaryCall;
  
  Put(argument: _ferrykv_v1_PutRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  Put(argument: _ferrykv_v1_PutRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  Put(argument: _ferrykv_v1_PutRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  Put(argument: _ferrykv_v1_PutRequest, callback: grpc.requestCallback<_ferrykv_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  put(argument: _ferrykv_v1_PutRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  put(argument: _ferrykv_v1_PutRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  put(argument: _ferrykv_v1_PutRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  put(argument: _ferrykv_v1_PutRequest, callback: grpc.requestCallback<_ferrykv_v1_WriteResponse__Output>): grpc.ClientUnaryCall;
  
  Scan(argument: _ferrykv_v1_ScanRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_ScanResponse__Output>): grpc.ClientUnaryCall;
  Scan(argument: _ferrykv_v1_ScanRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_v1_ScanResponse__Output>): grpc.ClientUnaryCall;
  Scan(argument: _ferrykv_v1_ScanRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_ScanResponse__Output>): grpc.ClientUnaryCall;
  Scan(argument: _ferrykv_v1_ScanRequest, callback: grpc.requestCallback<_ferrykv_v1_ScanResponse__Output>): grpc.ClientUnaryCall;
  scan(argument: _ferrykv_v1_ScanRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_ScanResponse__Output>): grpc.ClientUnaryCall;
  scan(argument: _ferrykv_v1_ScanRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ferrykv_v1_ScanResponse__Output>): grpc.ClientUnaryCall;
  scan(argument: _ferrykv_v1_ScanRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ferrykv_v1_ScanResponse__Output>): grpc.ClientUnaryCall;
  scan(argument: _ferrykv_v1_ScanRequest, callback: grpc.requestCallback<_ferrykv_v1_ScanResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface RawKVHandlers extends grpc.UntypedServiceImplementation {
  Batch: grpc.handleBidiStreamingCall<_ferrykv_v1_BatchRequest__Output, _ferrykv_v1_BatchResponse>;
  
  BatchGet: grpc.handleUnaryCall<_ferrykv_v1_BatchGetRequest__Output, _ferrykv_v1_BatchGetResponse>;
  
  BatchWrite: grpc.handleUnaryCall<_ferrykv_v1_BatchWriteRequest__Output, _ferrykv_v1_WriteResponse>;
  
  CompareAndSwap: grpc.handleUnaryCall<_ferrykv_v1_CompareAndSwapRequest__Output, _ferrykv_v1_CompareAndSwapResponse>;
  
  Delete: grpc.handleUnaryCall<_ferrykv_v1_DeleteRequest__Output, _ferrykv_v1_WriteResponse>;
  
  DeleteRange: grpc.handleUnaryCall<_ferrykv_v1_DeleteRangeRequest__Output, _ferrykv_v1_DeleteRangeResponse>;
  
  Get: grpc.handleUnaryCall<_ferrykv_v1_GetRequest__Output, _ferrykv_v1_GetResponse>;
  
  Put: grpc.handleUnaryCall<_ferrykv_v1_PutRequest__Output, _ferrykv_v1_WriteResponse>;
  
  Scan: grpc.handleUnaryCall<_ferrykv_v1_ScanRequest__Output, _ferrykv_v1_ScanResponse>;
  
}

export interface RawKVDefinition extends grpc.ServiceDefinition {
  Batch: MethodDefinition<_ferrykv_v1_BatchRequest, _ferrykv_v1_BatchResponse, _ferrykv_v1_BatchRequest__Output, _ferrykv_v1_BatchResponse__Output>
  BatchGet: MethodDefinition<_ferrykv_v1_BatchGetRequest, _ferrykv_v1_BatchGetResponse, _ferrykv_v1_BatchGetRequest__Output, _ferrykv_v1_BatchGetResponse__Output>
  BatchWrite: MethodDefinition<_ferrykv_v1_BatchWriteRequest, _ferrykv_v1_WriteResponse, _ferrykv_v1_BatchWriteRequest__Output, _ferrykv_v1_WriteResponse__Output>
  CompareAndSwap: MethodDefinition<_ferrykv_v1_CompareAndSwapRequest, _ferrykv_v1_CompareAndSwapResponse, _ferrykv_v1_CompareAndSwapRequest__Output, _ferrykv_v1_CompareAndSwapResponse__Output>
  Delete: MethodDefinition<_ferrykv_v1_DeleteRequest, _ferrykv_v1_WriteResponse, _ferrykv_v1_DeleteRequest__Output, _ferrykv_v1_WriteResponse__Output>
  DeleteRange: MethodDefinition<_ferrykv_v1_DeleteRangeRequest, _ferrykv_v1_DeleteRangeResponse, _ferrykv_v1_DeleteRangeRequest__Output, _ferrykv_v1_DeleteRangeResponse__Output>
  Get: MethodDefinition<_ferrykv_v1_GetRequest, _ferrykv_v1_GetResponse, _ferrykv_v1_GetRequest__Output, _ferrykv_v1_GetResponse__Output>
  Put: MethodDefinition<_ferrykv_v1_PutRequest, _ferrykv_v1_WriteResponse, _ferrykv_v1_PutRequest__Output, _ferrykv_v1_WriteResponse__Output>
  Scan: MethodDefinition<_ferrykv_v1_ScanRequest, _ferrykv_v1_ScanResponse, _ferrykv_v1_ScanRequest__Output, _ferrykv_v1_ScanResponse__Output>
}
