// Original file: proto/etcd/etcd.proto


export interface StatusRequest {
}

export interface StatusRequest__Output {
}
