// The OpenAPI v2 document in protobuf, as client-go asks for it first (Accept:
// application/com.github.proto-openapi.spec.v2@v1.0+protobuf): gnostic's openapi_v2.Document
// message (github.com/google/gnostic-models, openapiv2/OpenAPIv2.proto), built from the JSON
// document the way gnostic's compiler reads one (kube-openapi's ToProtoBinary): `x-` keys become
// vendor extensions (NamedAny with the value as YAML text; JSON is YAML), maps become repeated
// Named* entries in document order, `type` a TypeItem, `items` an ItemsItem, a parameter a
// ParametersItem (body, or a non-body sub-schema chosen by `in`).

type Json = Record<string, any>;

/** Builds one message: fields are appended in the order written (callers write them by number). */
class Message {
  private readonly parts: Buffer[] = [];

  private tag(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  private varint(n: number | bigint): void {
    let v = BigInt.asUintN(64, BigInt(n));
    const out: number[] = [];
    while (v > 0x7fn) {
      out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    out.push(Number(v));
    this.parts.push(Buffer.from(out));
  }

  string(field: number, v: unknown): this {
    if (typeof v !== 'string' || v === '') return this;
    return this.bytes(field, Buffer.from(v));
  }

  strings(field: number, v: unknown): this {
    if (Array.isArray(v)) for (const s of v) if (typeof s === 'string') this.bytes(field, Buffer.from(s));
    return this;
  }

  bool(field: number, v: unknown): this {
    if (v !== true) return this;
    this.tag(field, 0);
    this.varint(1);
    return this;
  }

  int64(field: number, v: unknown): this {
    if (typeof v !== 'number' || v === 0 || !Number.isInteger(v)) return this;
    this.tag(field, 0);
    this.varint(v);
    return this;
  }

  double(field: number, v: unknown): this {
    if (typeof v !== 'number' || v === 0) return this;
    this.tag(field, 1);
    const b = Buffer.alloc(8);
    b.writeDoubleLE(v);
    this.parts.push(b);
    return this;
  }

  message(field: number, m: Message | undefined): this {
    if (m) this.bytes(field, m.finish());
    return this;
  }

  messages(field: number, ms: Message[]): this {
    for (const m of ms) this.message(field, m);
    return this;
  }

  private bytes(field: number, b: Buffer): this {
    this.tag(field, 2);
    this.varint(b.length);
    this.parts.push(b);
    return this;
  }

  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}

const isObject = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);

/** Any { yaml = 2 }: the value as YAML text (JSON is YAML, as kube-openapi reads it back). */
function any(v: unknown): Message | undefined {
  return v === undefined ? undefined : new Message().string(2, `${JSON.stringify(v)}\n`);
}

/** repeated NamedAny vendor_extension: every `x-` key, in document order. */
function extensions(o: Json): Message[] {
  return Object.entries(o).filter(([k]) => k.startsWith('x-')).map(([k, v]) => new Message().string(1, k).message(2, any(v)));
}

/** NamedX { name = 1, value = 2 } entries of a JSON object. */
function named(o: unknown, value: (v: any) => Message | undefined): Message[] {
  return isObject(o) ? Object.entries(o).map(([k, v]) => new Message().string(1, k).message(2, value(v))) : [];
}

function schema(s: Json): Message {
  const m = new Message()
    .string(1, s.$ref).string(2, s.format).string(3, s.title).string(4, s.description).message(5, any(s.default))
    .double(6, s.multipleOf).double(7, s.maximum).bool(8, s.exclusiveMaximum).double(9, s.minimum).bool(10, s.exclusiveMinimum)
    .int64(11, s.maxLength).int64(12, s.minLength).string(13, s.pattern).int64(14, s.maxItems).int64(15, s.minItems)
    .bool(16, s.uniqueItems).int64(17, s.maxProperties).int64(18, s.minProperties).strings(19, s.required)
    .messages(20, Array.isArray(s.enum) ? s.enum.map((e: unknown) => any(e)!) : []);
  // AdditionalPropertiesItem { schema = 1 | boolean = 2 }
  if (typeof s.additionalProperties === 'boolean') m.message(21, new Message().bool(2, s.additionalProperties));
  else if (isObject(s.additionalProperties)) m.message(21, new Message().message(1, schema(s.additionalProperties)));
  // TypeItem { repeated value = 1 }
  if (s.type !== undefined) m.message(22, new Message().strings(1, Array.isArray(s.type) ? s.type : [s.type]));
  // ItemsItem { repeated schema = 1 }
  if (s.items !== undefined) m.message(23, new Message().messages(1, (Array.isArray(s.items) ? s.items : [s.items]).filter(isObject).map(schema)));
  if (Array.isArray(s.allOf)) m.messages(24, s.allOf.filter(isObject).map(schema));
  // Properties { repeated NamedSchema additional_properties = 1 }
  if (isObject(s.properties)) m.message(25, new Message().messages(1, named(s.properties, schema)));
  return m.string(26, s.discriminator).bool(27, s.readOnly).message(30, any(s.example)).messages(31, extensions(s));
}

/** PrimitivesItems, the items of a non-body array parameter. */
function primitivesItems(s: Json): Message {
  return new Message().string(1, s.type).string(2, s.format).message(3, isObject(s.items) ? primitivesItems(s.items) : undefined)
    .string(4, s.collectionFormat).message(5, any(s.default)).messages(18, extensions(s));
}

/** The fields a non-body parameter sub-schema shares after name and in: numbers differ per kind. */
function nonBody(p: Json, base: number, allowEmptyValue: boolean): Message {
  const m = new Message().bool(1, p.required).string(2, p.in).string(3, p.description).string(4, p.name);
  let n = base;
  if (allowEmptyValue) m.bool(5, p.allowEmptyValue);
  m.string(n++, p.type).string(n++, p.format).message(n++, isObject(p.items) ? primitivesItems(p.items) : undefined).string(n++, p.collectionFormat)
    .message(n++, any(p.default)).double(n++, p.maximum).bool(n++, p.exclusiveMaximum).double(n++, p.minimum).bool(n++, p.exclusiveMinimum)
    .int64(n++, p.maxLength).int64(n++, p.minLength).string(n++, p.pattern).int64(n++, p.maxItems).int64(n++, p.minItems).bool(n++, p.uniqueItems)
    .messages(n++, Array.isArray(p.enum) ? p.enum.map((e: unknown) => any(e)!) : []).double(n++, p.multipleOf);
  return m.messages(n, extensions(p));
}

/** ParametersItem { parameter = 1 | json_reference = 2 }. */
function parametersItem(p: Json): Message {
  if (p.$ref) return new Message().message(2, new Message().string(1, p.$ref).string(2, p.description));
  let parameter: Message;
  if (p.in === 'body') {
    const body = new Message().string(1, p.description).string(2, p.name).string(3, p.in).bool(4, p.required)
      .message(5, isObject(p.schema) ? schema(p.schema) : undefined).messages(6, extensions(p));
    parameter = new Message().message(1, body);
  } else {
    // NonBodyParameter { header = 1 | formData = 2 | query = 3 | path = 4 }
    const which = ({ header: 1, formData: 2, query: 3, path: 4 } as Record<string, number>)[p.in] ?? 3;
    const sub = which === 2 || which === 3 ? nonBody(p, 6, true) : nonBody(p, 5, false);
    parameter = new Message().message(2, new Message().message(which, sub));
  }
  return new Message().message(1, parameter);
}

function operation(op: Json): Message {
  const responses = new Message()
    .messages(1, named(Object.fromEntries(Object.entries(op.responses ?? {}).filter(([k]) => !k.startsWith('x-'))), (r: Json) => {
      // ResponseValue { response = 1 | json_reference = 2 }
      if (r.$ref) return new Message().message(2, new Message().string(1, r.$ref));
      const response = new Message().string(1, r.description)
        .message(2, isObject(r.schema) ? new Message().message(1, schema(r.schema)) : undefined)
        .messages(5, extensions(r));
      return new Message().message(1, response);
    }))
    .messages(2, extensions(op.responses ?? {}));
  return new Message().strings(1, op.tags).string(2, op.summary).string(3, op.description).string(5, op.operationId)
    .strings(6, op.produces).strings(7, op.consumes).messages(8, (op.parameters ?? []).filter(isObject).map(parametersItem))
    .message(9, responses).strings(10, op.schemes).bool(11, op.deprecated).messages(13, extensions(op));
}

function pathItem(item: Json): Message {
  const m = new Message().string(1, item.$ref);
  ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'].forEach((method, i) => {
    if (isObject(item[method])) m.message(2 + i, operation(item[method]));
  });
  return m.messages(9, (item.parameters ?? []).filter(isObject).map(parametersItem)).messages(10, extensions(item));
}

function securityDefinition(d: Json): Message {
  // SecurityDefinitionsItem { basic = 1 | apiKey = 2 | oauth2 ... }: knit only has API keys (bearer tokens).
  if (d.type === 'basic') return new Message().message(1, new Message().string(1, d.type).string(2, d.description).messages(3, extensions(d)));
  return new Message().message(2, new Message().string(1, d.type).string(2, d.name).string(3, d.in).string(4, d.description).messages(5, extensions(d)));
}

/** gnostic's openapi_v2.Document of a Swagger 2.0 document, marshalled. */
export function openApiV2Proto(doc: Json): Buffer {
  const info = isObject(doc.info) ? new Message().string(1, doc.info.title).string(2, doc.info.version).string(3, doc.info.description).messages(7, extensions(doc.info)) : undefined;
  const paths = new Message().messages(1, extensions(doc.paths ?? {}))
    .messages(2, named(Object.fromEntries(Object.entries(doc.paths ?? {}).filter(([k]) => !k.startsWith('x-'))), pathItem));
  const definitions = new Message().messages(1, named(doc.definitions, schema));
  const security = (doc.security ?? []).filter(isObject).map((req: Json) =>
    new Message().messages(1, named(req, (scopes: unknown) => new Message().strings(1, scopes))));
  return new Message()
    .string(1, doc.swagger).message(2, info).string(3, doc.host).string(4, doc.basePath)
    .strings(5, doc.schemes).strings(6, doc.consumes).strings(7, doc.produces)
    .message(8, paths).message(9, definitions)
    .messages(12, security)
    .message(13, isObject(doc.securityDefinitions) ? new Message().messages(1, named(doc.securityDefinitions, securityDefinition)) : undefined)
    .messages(16, extensions(doc))
    .finish();
}
