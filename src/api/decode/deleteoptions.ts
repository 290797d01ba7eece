// A DELETE body: DeleteOptions in JSON, YAML or Kubernetes protobuf (client-go sends protobuf when
// its client is configured for it, as helm 4's is), decoded as upstream's delete handlers decode it
// with the meta codecs: any group's DeleteOptions is accepted ("per group DeleteOptions" for old
// clients), another kind is not. Upstream answers an undecodable body with the decoder's error as
// a 500 of unknown reason; so does this.

import { ApiError, goQuote, statusFailure } from '../../kube/errors.js';
import { jsonKind } from './gofmt.js';
import { JsonSyntaxError, parseGoJson } from './json.js';
import { BODY_MEDIA_TYPES, mediaTypeOf, unsupportedBodyType } from './media.js';
import { messageDesc } from './protobuf/descriptors.js';
import { messageToJson } from './protobuf/convert.js';
import { PROTOBUF_MEDIA_TYPE, readEnvelope } from './protobuf/decode.js';
import { parseMessage } from './protobuf/message.js';
import { ProtoError } from './protobuf/wire.js';
import { interpret } from './decode.js';
import { decodeTyped } from './typed.js';
import { parseYaml, YamlError } from './yaml.js';

const DELETE_OPTIONS_MESSAGE = 'k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions';
const DELETE_OPTIONS_STRUCT = 'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions';

/** The fields of metav1.DeleteOptions a body may carry, in their JSON shape. */
export interface DeleteOptionsBody {
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  orphanDependents?: boolean;
  propagationPolicy?: string;
  dryRun?: string[];
}

function undecodable(message: string): ApiError {
  return new ApiError(statusFailure(500, '', message));
}

/** Decodes a DELETE (or deletecollection) body; an empty body is no options. */
export function decodeDeleteOptions(raw: Buffer, contentType: string | undefined): DeleteOptionsBody {
  if (raw.length === 0) return {};
  const media = mediaTypeOf(contentType);
  if (!BODY_MEDIA_TYPES.includes(media)) throw unsupportedBodyType();
  let value: unknown;
  try {
    if (media === PROTOBUF_MEDIA_TYPE) {
      const envelope = readEnvelope(raw);
      if (envelope.kind && envelope.kind !== 'DeleteOptions') throw undecodable(notRegistered(envelope.kind, envelope.apiVersion));
      value = messageToJson(parseMessage(envelope.raw, messageDesc(DELETE_OPTIONS_MESSAGE)));
    } else if (media === 'application/yaml') {
      value = parseYaml(raw).value;
    } else {
      value = parseGoJson(raw).value;
    }
  } catch (e) {
    if (e instanceof JsonSyntaxError) throw undecodable(`couldn't get version/kind; json parse error: ${e.message}`);
    if (e instanceof YamlError || e instanceof ProtoError) throw undecodable(e.message);
    throw e;
  }
  const probed = interpret(value);
  if (typeof probed === 'string') throw undecodable(probed);
  if (probed.kind && probed.kind !== 'DeleteOptions') {
    throw undecodable(notRegistered(probed.kind, probed.group ? `${probed.group}/${probed.version}` : probed.version));
  }
  if (value !== null && (typeof value !== 'object' || Array.isArray(value))) {
    throw undecodable(`json: cannot unmarshal ${jsonKind(value)} into Go value of type v1.DeleteOptions`);
  }
  const typed = decodeTyped(value ?? {}, DELETE_OPTIONS_STRUCT, 'json');
  if (typed.error) throw undecodable(typed.error);
  return typed.value as DeleteOptionsBody;
}

function notRegistered(kind: string, apiVersion: string): string {
  return `no kind ${goQuote(kind)} is registered for version ${goQuote(apiVersion)} in scheme "k8s.io/apimachinery/pkg/apis/meta/internalversion/scheme/register.go:28"`;
}
