import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { CatalogCommand as _ferrykv_internal_v1_CatalogCommand, CatalogCommand__Output as _ferrykv_internal_v1_CatalogCommand__Output } from './ferrykv/internal/v1/CatalogCommand.js';
import type { CatalogImage as _ferrykv_internal_v1_CatalogImage, CatalogImage__Output as _ferrykv_internal_v1_CatalogImage__Output } from './ferrykv/internal/v1/CatalogImage.js';
import type { CatalogRoute as _ferrykv_internal_v1_CatalogRoute, CatalogRoute__Output as _ferrykv_internal_v1_CatalogRoute__Output } from './ferrykv/internal/v1/CatalogRoute.js';
import type { DigestEntriesRequest as _ferrykv_internal_v1_DigestEntriesRequest, DigestEntriesRequest__Output as _ferrykv_internal_v1_DigestEntriesRequest__Output } from './ferrykv/internal/v1/DigestEntriesRequest.js';
import type { DigestEntriesResponse as _ferrykv_internal_v1_DigestEntriesResponse, DigestEntriesResponse__Output as _ferrykv_internal_v1_DigestEntriesResponse__Output } from './ferrykv/internal/v1/DigestEntriesResponse.js';
import type { DigestEntry as _ferrykv_internal_v1_DigestEntry, DigestEntry__Output as _ferrykv_internal_v1_DigestEntry__Output } from './ferrykv/internal/v1/DigestEntry.js';
import type { DigestLeavesRequest as _ferrykv_internal_v1_DigestLeavesRequest, DigestLeavesRequest__Output as _ferrykv_internal_v1_DigestLeavesRequest__Output } from './ferrykv/internal/v1/DigestLeavesRequest.js';
import type { DigestLeavesResponse as _ferrykv_internal_v1_DigestLeavesResponse, DigestLeavesResponse__Output as _ferrykv_internal_v1_DigestLeavesResponse__Output } from './ferrykv/internal/v1/DigestLeavesResponse.js';
import type { ExportRangeChunk as _ferrykv_internal_v1_ExportRangeChunk, ExportRangeChunk__Output as _ferrykv_internal_v1_ExportRangeChunk__Output } from './ferrykv/internal/v1/ExportRangeChunk.js';
import type { ExportRangeRequest as _ferrykv_internal_v1_ExportRangeRequest, ExportRangeRequest__Output as _ferrykv_internal_v1_ExportRangeRequest__Output } from './ferrykv/internal/v1/ExportRangeRequest.js';
import type { ForwardRequest as _ferrykv_internal_v1_ForwardRequest, ForwardRequest__Output as _ferrykv_internal_v1_ForwardRequest__Output } from './ferrykv/internal/v1/ForwardRequest.js';
import type { ForwardResponse as _ferrykv_internal_v1_ForwardResponse, ForwardResponse__Output as _ferrykv_internal_v1_ForwardResponse__Output } from './ferrykv/internal/v1/ForwardResponse.js';
import type { GroupCommandRequest as _ferrykv_internal_v1_GroupCommandRequest, GroupCommandRequest__Output as _ferrykv_internal_v1_GroupCommandRequest__Output } from './ferrykv/internal/v1/GroupCommandRequest.js';
import type { GroupCommandResponse as _ferrykv_internal_v1_GroupCommandResponse, GroupCommandResponse__Output as _ferrykv_internal_v1_GroupCommandResponse__Output } from './ferrykv/internal/v1/GroupCommandResponse.js';
import type { IdentifyRequest as _ferrykv_internal_v1_IdentifyRequest, IdentifyRequest__Output as _ferrykv_internal_v1_IdentifyRequest__Output } from './ferrykv/internal/v1/IdentifyRequest.js';
import type { IdentifyResponse as _ferrykv_internal_v1_IdentifyResponse, IdentifyResponse__Output as _ferrykv_internal_v1_IdentifyResponse__Output } from './ferrykv/internal/v1/IdentifyResponse.js';
import type { ImportRangeRequest as _ferrykv_internal_v1_ImportRangeRequest, ImportRangeRequest__Output as _ferrykv_internal_v1_ImportRangeRequest__Output } from './ferrykv/internal/v1/ImportRangeRequest.js';
import type { InternalClient as _ferrykv_internal_v1_InternalClient, InternalDefinition as _ferrykv_internal_v1_InternalDefinition } from './ferrykv/internal/v1/Internal.js';
import type { JobCommand as _ferrykv_internal_v1_JobCommand, JobCommand__Output as _ferrykv_internal_v1_JobCommand__Output } from './ferrykv/internal/v1/JobCommand.js';
import type { KvCommand as _ferrykv_internal_v1_KvCommand, KvCommand__Output as _ferrykv_internal_v1_KvCommand__Output } from './ferrykv/internal/v1/KvCommand.js';
import type { KvResult as _ferrykv_internal_v1_KvResult, KvResult__Output as _ferrykv_internal_v1_KvResult__Output } from './ferrykv/internal/v1/KvResult.js';
import type { KvWrite as _ferrykv_internal_v1_KvWrite, KvWrite__Output as _ferrykv_internal_v1_KvWrite__Output } from './ferrykv/internal/v1/KvWrite.js';
import type { MigrationCommand as _ferrykv_internal_v1_MigrationCommand, MigrationCommand__Output as _ferrykv_internal_v1_MigrationCommand__Output } from './ferrykv/internal/v1/MigrationCommand.js';
import type { MigrationRow as _ferrykv_internal_v1_MigrationRow, MigrationRow__Output as _ferrykv_internal_v1_MigrationRow__Output } from './ferrykv/internal/v1/MigrationRow.js';
import type { OwnedInterval as _ferrykv_internal_v1_OwnedInterval, OwnedInterval__Output as _ferrykv_internal_v1_OwnedInterval__Output } from './ferrykv/internal/v1/OwnedInterval.js';
import type { OwnershipImage as _ferrykv_internal_v1_OwnershipImage, OwnershipImage__Output as _ferrykv_internal_v1_OwnershipImage__Output } from './ferrykv/internal/v1/OwnershipImage.js';
import type { RaftAck as _ferrykv_internal_v1_RaftAck, RaftAck__Output as _ferrykv_internal_v1_RaftAck__Output } from './ferrykv/internal/v1/RaftAck.js';
import type { RaftBatch as _ferrykv_internal_v1_RaftBatch, RaftBatch__Output as _ferrykv_internal_v1_RaftBatch__Output } from './ferrykv/internal/v1/RaftBatch.js';
import type { SnapshotAck as _ferrykv_internal_v1_SnapshotAck, SnapshotAck__Output as _ferrykv_internal_v1_SnapshotAck__Output } from './ferrykv/internal/v1/SnapshotAck.js';
import type { SnapshotChunk as _ferrykv_internal_v1_SnapshotChunk, SnapshotChunk__Output as _ferrykv_internal_v1_SnapshotChunk__Output } from './ferrykv/internal/v1/SnapshotChunk.js';
import type { SnapshotRow as _ferrykv_internal_v1_SnapshotRow, SnapshotRow__Output as _ferrykv_internal_v1_SnapshotRow__Output } from './ferrykv/internal/v1/SnapshotRow.js';
import type { StoreClaim as _ferrykv_internal_v1_StoreClaim, StoreClaim__Output as _ferrykv_internal_v1_StoreClaim__Output } from './ferrykv/internal/v1/StoreClaim.js';
import type { TxnCommand as _ferrykv_internal_v1_TxnCommand, TxnCommand__Output as _ferrykv_internal_v1_TxnCommand__Output } from './ferrykv/internal/v1/TxnCommand.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  ferrykv: {
    internal: {
      v1: {
        CatalogCommand: MessageTypeDefinition<_ferrykv_internal_v1_CatalogCommand, _ferrykv_internal_v1_CatalogCommand__Output>
        CatalogImage: MessageTypeDefinition<_ferrykv_internal_v1_CatalogImage, _ferrykv_internal_v1_CatalogImage__Output>
        CatalogRoute: MessageTypeDefinition<_ferrykv_internal_v1_CatalogRoute, _ferrykv_internal_v1_CatalogRoute__Output>
        DigestEntriesRequest: MessageTypeDefinition<_ferrykv_internal_v1_DigestEntriesRequest, _ferrykv_internal_v1_DigestEntriesRequest__Output>
        DigestEntriesResponse: MessageTypeDefinition<_ferrykv_internal_v1_DigestEntriesResponse, _ferrykv_internal_v1_DigestEntriesResponse__Output>
        DigestEntry: MessageTypeDefinition<_ferrykv_internal_v1_DigestEntry, _ferrykv_internal_v1_DigestEntry__Output>
        DigestLeavesRequest: MessageTypeDefinition<_ferrykv_internal_v1_DigestLeavesRequest, _ferrykv_internal_v1_DigestLeavesRequest__Output>
        DigestLeavesResponse: MessageTypeDefinition<_ferrykv_internal_v1_DigestLeavesResponse, _ferrykv_internal_v1_DigestLeavesResponse__Output>
        ExportRangeChunk: MessageTypeDefinition<_ferrykv_internal_v1_ExportRangeChunk, _ferrykv_internal_v1_ExportRangeChunk__Output>
        ExportRangeRequest: MessageTypeDefinition<_ferrykv_internal_v1_ExportRangeRequest, _ferrykv_internal_v1_ExportRangeRequest__Output>
        ForwardRequest: MessageTypeDefinition<_ferrykv_internal_v1_ForwardRequest, _ferrykv_internal_v1_ForwardRequest__Output>
        ForwardResponse: MessageTypeDefinition<_ferrykv_internal_v1_ForwardResponse, _ferrykv_internal_v1_ForwardResponse__Output>
        GroupCommandRequest: MessageTypeDefinition<_ferrykv_internal_v1_GroupCommandRequest, _ferrykv_internal_v1_GroupCommandRequest__Output>
        GroupCommandResponse: MessageTypeDefinition<_ferrykv_internal_v1_GroupCommandResponse, _ferrykv_internal_v1_GroupCommandResponse__Output>
        IdentifyRequest: MessageTypeDefinition<_ferrykv_internal_v1_IdentifyRequest, _ferrykv_internal_v1_IdentifyRequest__Output>
        IdentifyResponse: MessageTypeDefinition<_ferrykv_internal_v1_IdentifyResponse, _ferrykv_internal_v1_IdentifyResponse__Output>
        ImportRangeRequest: MessageTypeDefinition<_ferrykv_internal_v1_ImportRangeRequest, _ferrykv_internal_v1_ImportRangeRequest__Output>
        Internal: SubtypeConstructor<typeof grpc.Client, _ferrykv_internal_v1_InternalClient> & { service: _ferrykv_internal_v1_InternalDefinition }
        JobCommand: MessageTypeDefinition<_ferrykv_internal_v1_JobCommand, _ferrykv_internal_v1_JobCommand__Output>
        KvCommand: MessageTypeDefinition<_ferrykv_internal_v1_KvCommand, _ferrykv_internal_v1_KvCommand__Output>
        KvResult: MessageTypeDefinition<_ferrykv_internal_v1_KvResult, _ferrykv_internal_v1_KvResult__Output>
        KvWrite: MessageTypeDefinition<_ferrykv_internal_v1_KvWrite, _ferrykv_internal_v1_KvWrite__Output>
        MigrationCommand: MessageTypeDefinition<_ferrykv_internal_v1_MigrationCommand, _ferrykv_internal_v1_MigrationCommand__Output>
        MigrationRow: MessageTypeDefinition<_ferrykv_internal_v1_MigrationRow, _ferrykv_internal_v1_MigrationRow__Output>
        OwnedInterval: MessageTypeDefinition<_ferrykv_internal_v1_OwnedInterval, _ferrykv_internal_v1_OwnedInterval__Output>
        OwnershipImage: MessageTypeDefinition<_ferrykv_internal_v1_OwnershipImage, _ferrykv_internal_v1_OwnershipImage__Output>
        RaftAck: MessageTypeDefinition<_ferrykv_internal_v1_RaftAck, _ferrykv_internal_v1_RaftAck__Output>
        RaftBatch: MessageTypeDefinition<_ferrykv_internal_v1_RaftBatch, _ferrykv_internal_v1_RaftBatch__Output>
        SnapshotAck: MessageTypeDefinition<_ferrykv_internal_v1_SnapshotAck, _ferrykv_internal_v1_SnapshotAck__Output>
        SnapshotChunk: MessageTypeDefinition<_ferrykv_internal_v1_SnapshotChunk, _ferrykv_internal_v1_SnapshotChunk__Output>
        SnapshotRow: MessageTypeDefinition<_ferrykv_internal_v1_SnapshotRow, _ferrykv_internal_v1_SnapshotRow__Output>
        StoreClaim: MessageTypeDefinition<_ferrykv_internal_v1_StoreClaim, _ferrykv_internal_v1_StoreClaim__Output>
        TxnCommand: MessageTypeDefinition<_ferrykv_internal_v1_TxnCommand, _ferrykv_internal_v1_TxnCommand__Output>
      }
    }
  }
}

