#!/usr/bin/env node
// Generates src/api/decode/protobuf/messages.json: the protobuf descriptors of every message reachable
// from the kinds knit serves, as src/api/decode/protobuf/ decodes them.
//
// Its input is a directory laid out by Go import path holding upstream's generated.proto and
// types.go files of Kubernetes 1.32 (those texts stay out of this repository; only the facts below
// are committed):
//   <src>/k8s.io/api/<group>/<version>/{generated.proto,types.go}
//   <src>/k8s.io/apimachinery/pkg/{apis/meta/v1,runtime,util/intstr,api/resource}/generated.proto (+ types.go)
// For example, from clones of github.com/kubernetes/api and github.com/kubernetes/apimachinery:
//   git -C api show release-1.32:core/v1/generated.proto > $SRC/k8s.io/api/core/v1/generated.proto
//
// From the .proto files: message names, field numbers, scalar kinds, repeated, maps, message types.
// From the Go structs (matched by field number): the JSON name, whether JSON inlines the field,
// whether a zero scalar is dropped (a non-pointer `omitempty` field: encoding/json omits its zero
// value, while gogo protobuf always sends it), and the Go field name that decoding errors print.
//
// Output, per message, a list of fields [number, jsonName, type, flags, goName?]:
//   type   a scalar ("string", "int32", ...), a message name, "[]T" (repeated), "{K}V" (map)
//   flags  "o": a zero scalar is left out of the JSON; "i": JSON inlines the message's fields
//   goName only when it is not jsonName with its first letter upper-cased
//
// Run: node scripts/gen-protobuf.mjs <src>          (writes the file)
//      node scripts/gen-protobuf.mjs <src> --check  (exits 1 if the committed file is stale)
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const outFile = new URL('../src/api/decode/protobuf/messages.json', import.meta.url);

const META = 'k8s.io.apimachinery.pkg.apis.meta.v1';
// The served kinds: "apiVersion/Kind" (core: "v1/Kind") -> message.
const KINDS = {
  'k8s.io.api.core.v1': ['v1', ['Namespace', 'Node', 'Pod', 'Service', 'Endpoints', 'Secret', 'ConfigMap', 'Event', 'ServiceAccount', 'Binding']],
  'k8s.io.api.apps.v1': ['apps/v1', ['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'ControllerRevision']],
  'k8s.io.api.batch.v1': ['batch/v1', ['Job', 'CronJob']],
  'k8s.io.api.discovery.v1': ['discovery.k8s.io/v1', ['EndpointSlice']],
  'k8s.io.api.networking.v1': ['networking.k8s.io/v1', ['Ingress', 'IngressClass', 'NetworkPolicy']],
  'k8s.io.api.coordination.v1': ['coordination.k8s.io/v1', ['Lease']],
  'k8s.io.api.autoscaling.v1': ['autoscaling/v1', ['Scale']],
  'k8s.io.api.policy.v1': ['policy/v1', ['Eviction']],
  'k8s.io.api.authentication.v1': ['authentication.k8s.io/v1', ['TokenRequest', 'TokenReview', 'SelfSubjectReview']],
  'k8s.io.api.authorization.v1': ['authorization.k8s.io/v1', ['SelfSubjectAccessReview', 'SelfSubjectRulesReview', 'SubjectAccessReview', 'LocalSubjectAccessReview']],
  'k8s.io.api.rbac.v1': ['rbac.authorization.k8s.io/v1', ['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']],
  [META]: ['meta.k8s.io/v1', ['DeleteOptions']],
};
// Messages the decoder needs beyond the kinds: the envelope.
const EXTRA_ROOTS = ['k8s.io.apimachinery.pkg.runtime.Unknown'];

// The scalar kinds these messages use (and src/api/decode/protobuf decodes); any other fails the run.
const SCALARS = new Set(['string', 'bool', 'int32', 'int64', 'bytes']);
const PROTO_SCALARS = new Set([...SCALARS, 'uint32', 'uint64', 'sint32', 'sint64', 'double', 'float', 'fixed32', 'fixed64', 'sfixed32', 'sfixed64']);
// Go field names of messages whose Unmarshal is hand-written upstream (no struct tag to read).
const GO_NAMES = { 'k8s.io.apimachinery.pkg.api.resource.Quantity': { 1: 'String_' } };
// Messages whose Go type is not a struct of types.go; src/api/decode/protobuf/convert.ts prints them by hand.
const HAND_CONVERTED = new Set([`${META}.Time`, `${META}.MicroTime`, 'k8s.io.apimachinery.pkg.util.intstr.IntOrString', 'k8s.io.apimachinery.pkg.api.resource.Quantity',
  // `type ExtraValue []string`: its message's items are the JSON array itself.
  'k8s.io.api.authentication.v1.ExtraValue', 'k8s.io.api.authorization.v1.ExtraValue']);

function filesUnder(dir, name) {
  const out = [];
  for (const entry of readdirSync(dir)) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p, name));
    else if (entry === name) out.push(p);
  }
  return out.sort();
}

/** Messages of one generated.proto: name -> [{number, name, type, label, mapKey}]. */
function parseProto(text) {
  const lines = text.split('\n').map((l) => l.replace(/\/\/.*$/, '').trim());
  const pkg = /^package\s+([\w.]+);/m.exec(text)?.[1];
  if (!pkg) throw new Error('no package line');
  const messages = new Map();
  let current;
  const qualify = (t) => (PROTO_SCALARS.has(t) ? t : t.startsWith('.') ? t.slice(1) : `${pkg}.${t}`);
  for (const line of lines) {
    let m;
    if ((m = /^message\s+(\w+)\s*\{$/.exec(line))) {
      if (current) throw new Error(`nested message ${m[1]} in ${current.name}`);
      current = { name: `${pkg}.${m[1]}`, fields: [] };
      messages.set(current.name, current);
    } else if (line === '}') {
      current = undefined;
    } else if ((m = /^map<\s*(\w+)\s*,\s*([\w.]+)\s*>\s+(\w+)\s*=\s*(\d+);$/.exec(line))) {
      current.fields.push({ number: Number(m[4]), name: m[3], type: qualify(m[2]), mapKey: m[1] });
    } else if ((m = /^(optional|repeated|required)\s+([\w.]+)\s+(\w+)\s*=\s*(\d+);$/.exec(line))) {
      current.fields.push({ number: Number(m[4]), name: m[3], type: qualify(m[2]), repeated: m[1] === 'repeated' });
    } else if (current && line && !line.startsWith('option') && !line.startsWith('reserved')) {
      throw new Error(`cannot read proto line in ${current.name}: ${line}`);
    }
  }
  return { pkg, messages };
}

/** Go structs of one types.go: struct -> field number -> {goName, pointer, json, omitempty, inline}. */
function parseGo(text) {
  const structs = new Map();
  let current;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    let m;
    if ((m = /^type\s+(\w+)\s+struct\s*\{$/.exec(line))) {
      current = new Map();
      structs.set(m[1], current);
      continue;
    }
    if (line === '}') current = undefined;
    if (!current || line.startsWith('//')) continue;
    // "Name Type `tags`" or an embedded "pkg.Type `tags`"
    m = /^(?:(\w+)\s+)?(\*?[\w.[\]*]+)\s+`([^`]*)`/.exec(line);
    if (!m) continue;
    const tags = m[3];
    const pb = /protobuf:"([^"]*)"/.exec(tags)?.[1];
    if (!pb) continue;
    const number = Number(pb.split(',')[1]);
    const json = /json:"([^"]*)"/.exec(tags)?.[1] ?? '';
    const [jsonName, ...opts] = json.split(',');
    const goType = m[2];
    const goName = m[1] ?? goType.replace(/^\*/, '').split('.').pop();
    current.set(number, { goName, pointer: goType.startsWith('*'), jsonName, omitempty: opts.includes('omitempty'), inline: opts.includes('inline') });
  }
  return structs;
}

function load(src) {
  const messages = new Map();
  const goStructs = new Map(); // proto package -> Go structs
  for (const protoFile of filesUnder(src, 'generated.proto')) {
    const { pkg, messages: ms } = parseProto(readFileSync(protoFile, 'utf8'));
    for (const [name, msg] of ms) messages.set(name, msg);
    const typesFile = join(protoFile, '..', 'types.go');
    const expected = relative(src, join(protoFile, '..')).replaceAll('/', '.');
    if (expected !== pkg) throw new Error(`${protoFile}: package ${pkg} is not where the file lies`);
    goStructs.set(pkg, existsSync(typesFile) ? parseGo(readFileSync(typesFile, 'utf8')) : new Map());
  }
  return { messages, goStructs };
}

const capitalized = (s) => s.charAt(0).toUpperCase() + s.slice(1);

function fieldTuple(msg, f, goStructs) {
  const pkg = msg.name.slice(0, msg.name.lastIndexOf('.'));
  const short = msg.name.slice(pkg.length + 1);
  const go = goStructs.get(pkg)?.get(short)?.get(f.number);
  let type = f.type;
  if (f.mapKey) type = `{${f.mapKey}}${f.type}`;
  else if (f.repeated) type = `[]${f.type}`;
  let flags = '';
  if (go?.inline) flags += 'i';
  // encoding/json drops the zero value of a non-pointer omitempty scalar; gogo sends it anyway.
  if (go && go.omitempty && !go.pointer && SCALARS.has(type)) flags += 'o';
  // Inline fields and fields JSON does not name ("-", the envelope's) keep the proto name.
  const jsonName = go && !go.inline && go.jsonName && go.jsonName !== '-' ? go.jsonName : f.name;
  const goName = go?.goName ?? GO_NAMES[msg.name]?.[f.number] ?? capitalized(f.name);
  const tuple = [f.number, jsonName, type, flags];
  if (goName !== capitalized(jsonName)) tuple.push(goName);
  return tuple;
}

function generate(src) {
  const { messages, goStructs } = load(src);
  const kinds = {};
  const roots = [...EXTRA_ROOTS];
  for (const [pkg, [apiVersion, names]] of Object.entries(KINDS)) {
    for (const kind of names) {
      const name = `${pkg}.${kind}`;
      if (!messages.has(name)) throw new Error(`no message ${name}`);
      kinds[`${apiVersion}/${kind}`] = name;
      roots.push(name);
    }
  }
  const out = {};
  const queue = [...roots];
  while (queue.length) {
    const name = queue.shift();
    if (out[name]) continue;
    const msg = messages.get(name);
    if (!msg) throw new Error(`message ${name} is referenced but not defined`);
    const pkg = name.slice(0, name.lastIndexOf('.'));
    if (!HAND_CONVERTED.has(name) && !goStructs.get(pkg)?.has(name.slice(pkg.length + 1))) {
      throw new Error(`no Go struct for ${name} in its package's types.go: its JSON names and omitempty flags are unknown`);
    }
    for (const f of msg.fields) {
      if (PROTO_SCALARS.has(f.type) && !SCALARS.has(f.type)) throw new Error(`${name}.${f.name}: scalar ${f.type} is not decoded`);
      if (f.mapKey && f.mapKey !== 'string') throw new Error(`${name}.${f.name}: map keys other than string are not decoded`);
      if (!SCALARS.has(f.type)) queue.push(f.type);
    }
    out[name] = msg.fields.map((f) => fieldTuple(msg, f, goStructs));
  }
  const sorted = Object.fromEntries(Object.keys(out).sort().map((k) => [k, out[k]]));
  return { source: 'Kubernetes 1.32 generated.proto and types.go (k8s.io/api, k8s.io/apimachinery)', kinds, messages: sorted };
}

/** One message per line: small diffs, still compact. */
function render(doc) {
  const lines = ['{', `  "source": ${JSON.stringify(doc.source)},`, `  "kinds": ${JSON.stringify(doc.kinds)},`, '  "messages": {'];
  const entries = Object.entries(doc.messages);
  entries.forEach(([name, fields], i) => lines.push(`    ${JSON.stringify(name)}: ${JSON.stringify(fields)}${i < entries.length - 1 ? ',' : ''}`));
  lines.push('  }', '}', '');
  return lines.join('\n');
}

const args = process.argv.slice(2);
const src = args.find((a) => !a.startsWith('--'));
if (!src) {
  process.stderr.write('usage: node scripts/gen-protobuf.mjs <dir with k8s.io/... generated.proto and types.go> [--check]\n');
  process.exit(2);
}
const text = render(generate(src));
if (args.includes('--check')) {
  const current = existsSync(outFile) ? readFileSync(outFile, 'utf8') : '';
  if (current !== text) {
    process.stderr.write('src/api/decode/protobuf/messages.json is stale: run node scripts/gen-protobuf.mjs <src>\n');
    process.exit(1);
  }
} else {
  writeFileSync(outFile, text);
  process.stdout.write(`wrote ${Object.keys(JSON.parse(text).messages).length} messages\n`);
}
