// Original file: proto/internal.proto


export interface RaftAck {
}

export interface RaftAck__Output {
}
