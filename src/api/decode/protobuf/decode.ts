// Decoding a Kubernetes protobuf body (Content-Type: application/vnd.kubernetes.protobuf) into the
// object the JSON API would have received: the "k8s\0" magic, the runtime.Unknown envelope
// {typeMeta {apiVersion = 1, kind = 2} = 1, raw = 2, contentEncoding = 3, contentType = 4}, then
// the message of the kind the envelope names (what it leaves out comes from the URL), in JSON shape.
// Errors are upstream's for an undecodable body.

import { cannotHandle, notRegistered, unrecognizedBody } from '../media.js';
import type { GroupVersionKind } from '../../openapi/schema.js';
import type { KubeObject } from '../../../kube/types.js';
import { messageDesc, messageForKind } from './descriptors.js';
import { messageToJson } from './convert.js';
import { type ParsedMessage, parseMessage } from './message.js';
import { ProtoError } from './wire.js';

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';

/** The 4 bytes every Kubernetes protobuf body starts with. */
export const PROTOBUF_MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

export interface ProtobufObject {
  apiVersion: string;
  kind: string;
  /** With apiVersion and kind set, in the shape the JSON decoder produces. */
  object: KubeObject;
}

const UNKNOWN = 'k8s.io.apimachinery.pkg.runtime.Unknown';

/** The envelope's type and the inner message's bytes. Throws ProtoError with upstream's texts. */
export function readEnvelope(raw: Buffer): { apiVersion: string; kind: string; raw: Buffer } {
  if (raw.length === 0) throw new ProtoError('empty data');
  if (raw.length < PROTOBUF_MAGIC.length || !raw.subarray(0, PROTOBUF_MAGIC.length).equals(PROTOBUF_MAGIC)) {
    throw new ProtoError(`provided data does not appear to be a protobuf message, expected prefix [${[...PROTOBUF_MAGIC].join(' ')}]`);
  }
  if (raw.length === PROTOBUF_MAGIC.length) throw new ProtoError('empty body');
  const unknown = parseMessage(raw, messageDesc(UNKNOWN), PROTOBUF_MAGIC.length);
  const typeMeta = unknown.values.get(1) as ParsedMessage | undefined;
  return {
    apiVersion: (typeMeta?.values.get(1) as string | undefined) ?? '',
    kind: (typeMeta?.values.get(2) as string | undefined) ?? '',
    raw: (unknown.values.get(2) as Buffer | undefined) ?? Buffer.alloc(0),
  };
}

/** schema.ParseGroupVersion, where a malformed apiVersion counts as none (as upstream reads envelopes). */
function parseGroupVersion(apiVersion: string): { group: string; version: string } {
  if (apiVersion === '' || apiVersion === '/') return { group: '', version: '' };
  const parts = apiVersion.split('/');
  if (parts.length === 1) return { group: '', version: apiVersion };
  if (parts.length === 2) return { group: parts[0], version: parts[1] };
  return { group: '', version: '' };
}

/**
 * Decodes a protobuf create/update body for the kind the URL serves (`into`): the envelope's kind
 * and version default from it, and errors read as kube-apiserver's (`the object provided is
 * unrecognized (must be of type Service): unexpected EOF (6b387300...)`, `Service in version "v1"
 * cannot be handled as a Service: proto: wrong wireType = 0 for field Name`).
 */
export function decodeProtobufObject(raw: Buffer, into: GroupVersionKind): ProtobufObject {
  let envelope: ReturnType<typeof readEnvelope>;
  try {
    envelope = readEnvelope(raw);
  } catch (e) {
    if (e instanceof ProtoError) throw unrecognizedBody(into.kind, e.message, raw);
    throw e;
  }
  // copyKindDefaults: the kind, and group and version together, come from the URL when absent.
  const actual = { ...parseGroupVersion(envelope.apiVersion), kind: envelope.kind || into.kind };
  if (!actual.version) {
    actual.group = into.group;
    actual.version = into.version;
  }
  const apiVersion = actual.group ? `${actual.group}/${actual.version}` : actual.version;
  const desc = messageForKind(apiVersion, actual.kind);
  if (!desc) throw cannotHandle(actual, into.kind, notRegistered(actual));
  let body: Record<string, unknown>;
  try {
    body = messageToJson(parseMessage(envelope.raw, desc)) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof ProtoError) throw cannotHandle(actual, into.kind, e.message);
    throw e;
  }
  const object = { apiVersion, kind: actual.kind, ...body } as KubeObject;
  return { apiVersion, kind: actual.kind, object };
}
