import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { BatchGetRequest as _ferrykv_v1_BatchGetRequest, BatchGetRequest__Output as _ferrykv_v1_BatchGetRequest__Output } from './ferrykv/v1/BatchGetRequest.js';
import type { BatchGetResponse as _ferrykv_v1_BatchGetResponse, BatchGetResponse__Output as _ferrykv_v1_BatchGetResponse__Output } from './ferrykv/v1/BatchGetResponse.js';
import type { BatchRequest as _ferrykv_v1_BatchRequest, BatchRequest__Output as _ferrykv_v1_BatchRequest__Output } from './ferrykv/v1/BatchRequest.js';
import type { BatchResponse as _ferrykv_v1_BatchResponse, BatchResponse__Output as _ferrykv_v1_BatchResponse__Output } from './ferrykv/v1/BatchResponse.js';
import type { BatchWriteRequest as _ferrykv_v1_BatchWriteRequest, BatchWriteRequest__Output as _ferrykv_v1_BatchWriteRequest__Output } from './ferrykv/v1/BatchWriteRequest.js';
import type { BeginTxnRequest as _ferrykv_v1_BeginTxnRequest, BeginTxnRequest__Output as _ferrykv_v1_BeginTxnRequest__Output } from './ferrykv/v1/BeginTxnRequest.js';
import type { BeginTxnResponse as _ferrykv_v1_BeginTxnResponse, BeginTxnResponse__Output as _ferrykv_v1_BeginTxnResponse__Output } from './ferrykv/v1/BeginTxnResponse.js';
import type { CompareAndSwapRequest as _ferrykv_v1_CompareAndSwapRequest, CompareAndSwapRequest__Output as _ferrykv_v1_CompareAndSwapRequest__Output } from './ferrykv/v1/CompareAndSwapRequest.js';
import type { CompareAndSwapResponse as _ferrykv_v1_CompareAndSwapResponse, CompareAndSwapResponse__Output as _ferrykv_v1_CompareAndSwapResponse__Output } from './ferrykv/v1/CompareAndSwapResponse.js';
import type { DeleteRangeRequest as _ferrykv_v1_DeleteRangeRequest, DeleteRangeRequest__Output as _ferrykv_v1_DeleteRangeRequest__Output } from './ferrykv/v1/DeleteRangeRequest.js';
import type { DeleteRangeResponse as _ferrykv_v1_DeleteRangeResponse, DeleteRangeResponse__Output as _ferrykv_v1_DeleteRangeResponse__Output } from './ferrykv/v1/DeleteRangeResponse.js';
import type { DeleteRequest as _ferrykv_v1_DeleteRequest, DeleteRequest__Output as _ferrykv_v1_DeleteRequest__Output } from './ferrykv/v1/DeleteRequest.js';
import type { Error as _ferrykv_v1_Error, Error__Output as _ferrykv_v1_Error__Output } from './ferrykv/v1/Error.js';
import type { GetRequest as _ferrykv_v1_GetRequest, GetRequest__Output as _ferrykv_v1_GetRequest__Output } from './ferrykv/v1/GetRequest.js';
import type { GetResponse as _ferrykv_v1_GetResponse, GetResponse__Output as _ferrykv_v1_GetResponse__Output } from './ferrykv/v1/GetResponse.js';
import type { GroupLeader as _ferrykv_v1_GroupLeader, GroupLeader__Output as _ferrykv_v1_GroupLeader__Output } from './ferrykv/v1/GroupLeader.js';
import type { KeyRange as _ferrykv_v1_KeyRange, KeyRange__Output as _ferrykv_v1_KeyRange__Output } from './ferrykv/v1/KeyRange.js';
import type { KeyValue as _ferrykv_v1_KeyValue, KeyValue__Output as _ferrykv_v1_KeyValue__Output } from './ferrykv/v1/KeyValue.js';
import type { ListRoutesRequest as _ferrykv_v1_ListRoutesRequest, ListRoutesRequest__Output as _ferrykv_v1_ListRoutesRequest__Output } from './ferrykv/v1/ListRoutesRequest.js';
import type { ListRoutesResponse as _ferrykv_v1_ListRoutesResponse, ListRoutesResponse__Output as _ferrykv_v1_ListRoutesResponse__Output } from './ferrykv/v1/ListRoutesResponse.js';
import type { Mutation as _ferrykv_v1_Mutation, Mutation__Output as _ferrykv_v1_Mutation__Output } from './ferrykv/v1/Mutation.js';
import type { Op as _ferrykv_v1_Op, Op__Output as _ferrykv_v1_Op__Output } from './ferrykv/v1/Op.js';
import type { OpResult as _ferrykv_v1_OpResult, OpResult__Output as _ferrykv_v1_OpResult__Output } from './ferrykv/v1/OpResult.js';
import type { PutRequest as _ferrykv_v1_PutRequest, PutRequest__Output as _ferrykv_v1_PutRequest__Output } from './ferrykv/v1/PutRequest.js';
import type { RawKVClient as _ferrykv_v1_RawKVClient, RawKVDefinition as _ferrykv_v1_RawKVDefinition } from './ferrykv/v1/RawKV.js';
import type { Route as _ferrykv_v1_Route, Route__Output as _ferrykv_v1_Route__Output } from './ferrykv/v1/Route.js';
import type { RouteEvent as _ferrykv_v1_RouteEvent, RouteEvent__Output as _ferrykv_v1_RouteEvent__Output } from './ferrykv/v1/RouteEvent.js';
import type { RoutingClient as _ferrykv_v1_RoutingClient, RoutingDefinition as _ferrykv_v1_RoutingDefinition } from './ferrykv/v1/Routing.js';
import type { ScanRequest as _ferrykv_v1_ScanRequest, ScanRequest__Output as _ferrykv_v1_ScanRequest__Output } from './ferrykv/v1/ScanRequest.js';
import type { ScanResponse as _ferrykv_v1_ScanResponse, ScanResponse__Output as _ferrykv_v1_ScanResponse__Output } from './ferrykv/v1/ScanResponse.js';
import type { TxnBatchGetRequest as _ferrykv_v1_TxnBatchGetRequest, TxnBatchGetRequest__Output as _ferrykv_v1_TxnBatchGetRequest__Output } from './ferrykv/v1/TxnBatchGetRequest.js';
import type { TxnCommitRequest as _ferrykv_v1_TxnCommitRequest, TxnCommitRequest__Output as _ferrykv_v1_TxnCommitRequest__Output } from './ferrykv/v1/TxnCommitRequest.js';
import type { TxnCommitResponse as _ferrykv_v1_TxnCommitResponse, TxnCommitResponse__Output as _ferrykv_v1_TxnCommitResponse__Output } from './ferrykv/v1/TxnCommitResponse.js';
import type { TxnGetRequest as _ferrykv_v1_TxnGetRequest, TxnGetRequest__Output as _ferrykv_v1_TxnGetRequest__Output } from './ferrykv/v1/TxnGetRequest.js';
import type { TxnKVClient as _ferrykv_v1_TxnKVClient, TxnKVDefinition as _ferrykv_v1_TxnKVDefinition } from './ferrykv/v1/TxnKV.js';
import type { TxnScanRequest as _ferrykv_v1_TxnScanRequest, TxnScanRequest__Output as _ferrykv_v1_TxnScanRequest__Output } from './ferrykv/v1/TxnScanRequest.js';
import type { WatchClient as _ferrykv_v1_WatchClient, WatchDefinition as _ferrykv_v1_WatchDefinition } from './ferrykv/v1/Watch.js';
import type { WatchEvent as _ferrykv_v1_WatchEvent, WatchEvent__Output as _ferrykv_v1_WatchEvent__Output } from './ferrykv/v1/WatchEvent.js';
import type { WatchMoved as _ferrykv_v1_WatchMoved, WatchMoved__Output as _ferrykv_v1_WatchMoved__Output } from './ferrykv/v1/WatchMoved.js';
import type { WatchRequest as _ferrykv_v1_WatchRequest, WatchRequest__Output as _ferrykv_v1_WatchRequest__Output } from './ferrykv/v1/WatchRequest.js';
import type { WatchResponse as _ferrykv_v1_WatchResponse, WatchResponse__Output as _ferrykv_v1_WatchResponse__Output } from './ferrykv/v1/WatchResponse.js';
import type { WatchRoutesRequest as _ferrykv_v1_WatchRoutesRequest, WatchRoutesRequest__Output as _ferrykv_v1_WatchRoutesRequest__Output } from './ferrykv/v1/WatchRoutesRequest.js';
import type { WriteResponse as _ferrykv_v1_WriteResponse, WriteResponse__Output as _ferrykv_v1_WriteResponse__Output } from './ferrykv/v1/WriteResponse.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  ferrykv: {
    v1: {
      BatchGetRequest: MessageTypeDefinition<_ferrykv_v1_BatchGetRequest, _ferrykv_v1_BatchGetRequest__Output>
      BatchGetResponse: MessageTypeDefinition<_ferrykv_v1_BatchGetResponse, _ferrykv_v1_BatchGetResponse__Output>
      BatchRequest: MessageTypeDefinition<_ferrykv_v1_BatchRequest, _ferrykv_v1_BatchRequest__Output>
      BatchResponse: MessageTypeDefinition<_ferrykv_v1_BatchResponse, _ferrykv_v1_BatchResponse__Output>
      BatchWriteRequest: MessageTypeDefinition<_ferrykv_v1_BatchWriteRequest, _ferrykv_v1_BatchWriteRequest__Output>
      BeginTxnRequest: MessageTypeDefinition<_ferrykv_v1_BeginTxnRequest, _ferrykv_v1_BeginTxnRequest__Output>
      BeginTxnResponse: MessageTypeDefinition<_ferrykv_v1_BeginTxnResponse, _ferrykv_v1_BeginTxnResponse__Output>
      CompareAndSwapRequest: MessageTypeDefinition<_ferrykv_v1_CompareAndSwapRequest, _ferrykv_v1_CompareAndSwapRequest__Output>
      CompareAndSwapResponse: MessageTypeDefinition<_ferrykv_v1_CompareAndSwapResponse, _ferrykv_v1_CompareAndSwapResponse__Output>
      DeleteRangeRequest: MessageTypeDefinition<_ferrykv_v1_DeleteRangeRequest, _ferrykv_v1_DeleteRangeRequest__Output>
      DeleteRangeResponse: MessageTypeDefinition<_ferrykv_v1_DeleteRangeResponse, _ferrykv_v1_DeleteRangeResponse__Output>
      DeleteRequest: MessageTypeDefinition<_ferrykv_v1_DeleteRequest, _ferrykv_v1_DeleteRequest__Output>
      Error: MessageTypeDefinition<_ferrykv_v1_Error, _ferrykv_v1_Error__Output>
      GetRequest: MessageTypeDefinition<_ferrykv_v1_GetRequest, _ferrykv_v1_GetRequest__Output>
      GetResponse: MessageTypeDefinition<_ferrykv_v1_GetResponse, _ferrykv_v1_GetResponse__Output>
      GroupLeader: MessageTypeDefinition<_ferrykv_v1_GroupLeader, _ferrykv_v1_GroupLeader__Output>
      Isolation: EnumTypeDefinition
      KeyRange: MessageTypeDefinition<_ferrykv_v1_KeyRange, _ferrykv_v1_KeyRange__Output>
      KeyValue: MessageTypeDefinition<_ferrykv_v1_KeyValue, _ferrykv_v1_KeyValue__Output>
      ListRoutesRequest: MessageTypeDefinition<_ferrykv_v1_ListRoutesRequest, _ferrykv_v1_ListRoutesRequest__Output>
      ListRoutesResponse: MessageTypeDefinition<_ferrykv_v1_ListRoutesResponse, _ferrykv_v1_ListRoutesResponse__Output>
      Mutation: MessageTypeDefinition<_ferrykv_v1_Mutation, _ferrykv_v1_Mutation__Output>
      Op: MessageTypeDefinition<_ferrykv_v1_Op, _ferrykv_v1_Op__Output>
      OpResult: MessageTypeDefinition<_ferrykv_v1_OpResult, _ferrykv_v1_OpResult__Output>
      PutRequest: MessageTypeDefinition<_ferrykv_v1_PutRequest, _ferrykv_v1_PutRequest__Output>
      RawKV: SubtypeConstructor<typeof grpc.Client, _ferrykv_v1_RawKVClient> & { service: _ferrykv_v1_RawKVDefinition }
      Route: MessageTypeDefinition<_ferrykv_v1_Route, _ferrykv_v1_Route__Output>
      RouteEvent: MessageTypeDefinition<_ferrykv_v1_RouteEvent, _ferrykv_v1_RouteEvent__Output>
      Routing: SubtypeConstructor<typeof grpc.Client, _ferrykv_v1_RoutingClient> & { service: _ferrykv_v1_RoutingDefinition }
      ScanRequest: MessageTypeDefinition<_ferrykv_v1_ScanRequest, _ferrykv_v1_ScanRequest__Output>
      ScanResponse: MessageTypeDefinition<_ferrykv_v1_ScanResponse, _ferrykv_v1_ScanResponse__Output>
      TxnBatchGetRequest: MessageTypeDefinition<_ferrykv_v1_TxnBatchGetRequest, _ferrykv_v1_TxnBatchGetRequest__Output>
      TxnCommitRequest: MessageTypeDefinition<_ferrykv_v1_TxnCommitRequest, _ferrykv_v1_TxnCommitRequest__Output>
      TxnCommitResponse: MessageTypeDefinition<_ferrykv_v1_TxnCommitResponse, _ferrykv_v1_TxnCommitResponse__Output>
      TxnGetRequest: MessageTypeDefinition<_ferrykv_v1_TxnGetRequest, _ferrykv_v1_TxnGetRequest__Output>
      TxnKV: SubtypeConstructor<typeof grpc.Client, _ferrykv_v1_TxnKVClient> & { service: _ferrykv_v1_TxnKVDefinition }
      TxnScanRequest: MessageTypeDefinition<_ferrykv_v1_TxnScanRequest, _ferrykv_v1_TxnScanRequest__Output>
      Watch: SubtypeConstructor<typeof grpc.Client, _ferrykv_v1_WatchClient> & { service: _ferrykv_v1_WatchDefinition }
      WatchEvent: MessageTypeDefinition<_ferrykv_v1_WatchEvent, _ferrykv_v1_WatchEvent__Output>
      WatchMoved: MessageTypeDefinition<_ferrykv_v1_WatchMoved, _ferrykv_v1_WatchMoved__Output>
      WatchRequest: MessageTypeDefinition<_ferrykv_v1_WatchRequest, _ferrykv_v1_WatchRequest__Output>
      WatchResponse: MessageTypeDefinition<_ferrykv_v1_WatchResponse, _ferrykv_v1_WatchResponse__Output>
      WatchRoutesRequest: MessageTypeDefinition<_ferrykv_v1_WatchRoutesRequest, _ferrykv_v1_WatchRoutesRequest__Output>
      WriteResponse: MessageTypeDefinition<_ferrykv_v1_WriteResponse, _ferrykv_v1_WriteResponse__Output>
    }
  }
}

