// The protobuf component: Kubernetes protobuf request bodies decoded into JSON-shaped objects.

export { decodeProtobufObject, readEnvelope, PROTOBUF_MAGIC, PROTOBUF_MEDIA_TYPE, type ProtobufObject } from './decode.js';
export { ProtoError } from './wire.js';
