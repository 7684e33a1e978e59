// Original file: proto/admin.proto


export interface SetFaultsResponse {
}

export interface SetFaultsResponse__Output {
}
