// Original file: proto/admin.proto


export interface NodeStatusRequest {
}

export interface NodeStatusRequest__Output {
}
