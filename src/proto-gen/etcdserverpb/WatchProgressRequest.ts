// Original file: proto/etcd/etcd.proto


export interface WatchProgressRequest {
}

export interface WatchProgressRequest__Output {
}
