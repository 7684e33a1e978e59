// Original file: proto/admin.proto


export interface TransferLeaderResponse {
  'leaderId'?: (number);
}

export interface TransferLeaderResponse__Output {
  'leaderId': (number);
}
