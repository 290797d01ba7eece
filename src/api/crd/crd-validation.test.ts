import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorText } from '../../kube/errors.js';
import type { KubeObject } from '../../kube/types.js';
import { defaultCRD, prepareCRDForCreate, validateCRD, validateCRDUpdate } from './crd-validation.js';
import { validateStructural } from './structural.js';
import type { JSONSchemaProps } from './types.js';

const GOOD: JSONSchemaProps = { type: 'object', properties: { spec: { type: 'object', properties: { replicas: { type: 'integer' } } } } };

function crd(spec: Record<string, unknown> = {}, name = 'widgets.example.com', meta: Record<string, unknown> = {}): KubeObject {
  const o: KubeObject = {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name, ...meta },
    spec: {
      group: 'example.com', scope: 'Namespaced', names: { plural: 'widgets', kind: 'Widget' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: GOOD } }],
      ...spec,
    },
  };
  defaultCRD(o);
  prepareCRDForCreate(o);
  return o;
}
const errorsOf = (o: KubeObject) => validateCRD(o).map(fieldErrorText);
const withSchema = (schema: JSONSchemaProps, extra: Record<string, unknown> = {}) => crd({ versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: schema }, ...extra }] });

describe('CustomResourceDefinition defaults', () => {
  it('fills singular, listKind, conversion and storedVersions as upstream', () => {
    const o = crd();
    assert.deepEqual(o.spec.names, { plural: 'widgets', kind: 'Widget', singular: 'widget', listKind: 'WidgetList' });
    assert.deepEqual(o.spec.conversion, { strategy: 'None' });
    assert.deepEqual(o.status, { storedVersions: ['v1'] });
    assert.deepEqual(errorsOf(o), []);
  });
});

describe('CustomResourceDefinition validation', () => {
  it('names: the object name is <plural>.<group>; labels as upstream checks them', () => {
    assert.deepEqual(errorsOf(crd({}, 'widget.example.com')), ['metadata.name: Invalid value: "widget.example.com": must be spec.names.plural+"."+spec.group']);
    assert.deepEqual(errorsOf(crd({ names: { plural: 'Widgets', kind: 'Widget', shortNames: ['w_1'], categories: ['All'] } }, 'Widgets.example.com')), [
      'spec.names.plural: Invalid value: "Widgets": a DNS-1035 label must consist of lower case alphanumeric characters or \'-\', start with an alphabetic character, and end with an alphanumeric character (e.g. \'my-name\',  or \'abc-123\', regex used for validation is \'[a-z]([-a-z0-9]*[a-z0-9])?\')',
      'spec.names.shortNames[0]: Invalid value: "w_1": a DNS-1035 label must consist of lower case alphanumeric characters or \'-\', start with an alphabetic character, and end with an alphanumeric character (e.g. \'my-name\',  or \'abc-123\', regex used for validation is \'[a-z]([-a-z0-9]*[a-z0-9])?\')',
      'spec.names.categories[0]: Invalid value: "All": a DNS-1035 label must consist of lower case alphanumeric characters or \'-\', start with an alphabetic character, and end with an alphanumeric character (e.g. \'my-name\',  or \'abc-123\', regex used for validation is \'[a-z]([-a-z0-9]*[a-z0-9])?\')',
    ]);
    assert.deepEqual(errorsOf(crd({ names: { plural: 'widgets', kind: 'Widget', listKind: 'Widget' } })), ['spec.names.listKind: Invalid value: "Widget": kind and listKind may not be the same']);
    assert.deepEqual(errorsOf(crd({ names: { plural: 'widgets' } })), ['spec.names.singular: Required value', 'spec.names.kind: Required value', 'spec.names.listKind: Required value']);
  });

  it('group and scope', () => {
    assert.deepEqual(errorsOf(crd({ group: 'example' }, 'widgets.example')), ['spec.group: Invalid value: "example": should be a domain with at least one dot']);
    assert.deepEqual(errorsOf(crd({ scope: 'Global' })), ['spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"']);
    assert.deepEqual(errorsOf(crd({ scope: '' })), ['spec.scope: Required value']);
  });

  it('versions: exactly one storage version, unique names, schemas required', () => {
    const v = (name: string, storage: boolean, schema: JSONSchemaProps | null = GOOD) => ({ name, served: true, storage, ...(schema ? { schema: { openAPIV3Schema: schema } } : {}) });
    const twoStorage = errorsOf(crd({ versions: [v('v1', true), v('v2', true)] }));
    assert.equal(twoStorage.length, 2);
    assert.equal(twoStorage[1], 'status.storedVersions: Invalid value: []string{"v1"}: must have the storage version v2');
    assert.match(twoStorage[0], /^spec\.versions: Invalid value: \[\]apiextensions\.CustomResourceDefinitionVersion\{apiextensions\.CustomResourceDefinitionVersion\{Name:"v1", Served:true, Storage:true, .*\}\}: must have exactly one version marked as storage version$/);
    assert.match(errorsOf(crd({ versions: [v('v1', true), v('v1', false)] }))[0], /: must contain unique version names$/);
    assert.deepEqual(errorsOf(crd({ versions: [v('v1', true, null)] })), ['spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required']);
    assert.deepEqual(errorsOf(crd({ versions: [{ ...v('v1', true), deprecationWarning: 'x' }] })), ['spec.versions[0].deprecationWarning: Invalid value: "x": can only be set for deprecated versions']);
  });

  it('reports a schema shared by every version at spec.validation, a per-version one at its version', () => {
    const bad: JSONSchemaProps = { type: 'object', properties: { spec: { properties: { a: { type: 'string' } } } } };
    assert.deepEqual(errorsOf(withSchema(bad)), ['spec.validation.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields']);
    const two = crd({ versions: [
      { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: bad } },
      { name: 'v2', served: true, storage: false, schema: { openAPIV3Schema: GOOD } },
    ] });
    assert.deepEqual(errorsOf(two), ['spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields']);
  });

  it('schema rules: list and map types, root with status, defaults that must validate and be pruned', () => {
    const list = (s: JSONSchemaProps) => errorsOf(withSchema({ type: 'object', properties: { spec: { type: 'object', properties: { l: s } } } }));
    const at = 'spec.validation.openAPIV3Schema.properties[spec].properties[l]';
    assert.deepEqual(list({ type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'map' }), [
      `${at}.x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map`,
      `${at}.items.type: Invalid value: "string": must be object if parent array's x-kubernetes-list-type is map`,
    ]);
    assert.deepEqual(list({ type: 'array', items: { type: 'object', properties: { k: { type: 'string' } } }, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['k'] }), [
      `${at}.items.properties[k].default: Required value: this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property`,
    ]);
    assert.deepEqual(list({ type: 'string', 'x-kubernetes-list-type': 'set' }), [`${at}.type: Invalid value: "string": must be array if x-kubernetes-list-type is specified`]);
    assert.deepEqual(list({ type: 'integer', default: 'one' }), [`${at}.default: Invalid value: "string":  in body must be of type integer: "string"`]);
    assert.deepEqual(list({ type: 'object', properties: { a: { type: 'string' } }, default: { a: 'x', b: 'y' } }), [`${at}.default: Invalid value: map[string]interface {}{"a":"x", "b":"y"}: must not have unknown fields`]);
    assert.deepEqual(list({ type: 'string', uniqueItems: true }), [`${at}.uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic`]);
    assert.deepEqual(errorsOf(withSchema({ type: 'object', additionalProperties: { type: 'string' } })), [
      'spec.validation.openAPIV3Schema.additionalProperties: Forbidden: must not be used at the root',
    ]);
    assert.deepEqual(errorsOf(withSchema({ type: 'object', nullable: true, properties: { a: { type: 'string' } } }, { subresources: { status: {} } })), [
      'spec.validation.openAPIV3Schema: Invalid value: "": only [Description Type Format Title Maximum ExclusiveMaximum Minimum ExclusiveMinimum MaxLength MinLength Pattern MaxItems MinItems UniqueItems MultipleOf Required Items Properties ExternalDocs Example XPreserveUnknownFields XValidations] fields are allowed at the root of the schema if the status subresource is enabled',
      'spec.validation.openAPIV3Schema.nullable: Forbidden: nullable cannot be true at the root',
    ]);
  });

  it('x-kubernetes-validations: syntax, reasons and compilation', () => {
    const rules = (validations: unknown[]) => errorsOf(withSchema({ type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-validations': validations as never, properties: { a: { type: 'string' } } } } }));
    const at = 'spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[0]';
    assert.deepEqual(rules([{ rule: ' ' }]), [`${at}.rule: Required value: rule is not specified`]);
    assert.deepEqual(rules([{ rule: 'self.a == "x"', reason: 'Nope' }]), [`${at}.reason: Unsupported value: "Nope": supported values: "FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"`]);
    assert.deepEqual(rules([{ rule: 'self.b == "x"' }]), [
      `${at}.rule: Invalid value: apiextensions.ValidationRule{Rule:"self.b == \\"x\\"", Message:"", MessageExpression:"", Reason:(*apiextensions.FieldValueErrorReason)(nil), FieldPath:"", OptionalOldSelf:(*bool)(nil)}: compilation failed: ERROR: <input>:1:5: undefined field 'b'`,
    ]);
    assert.match(rules([{ rule: 'self.a ==' }])[0], /^spec\.validation\.openAPIV3Schema\.properties\[spec\]\.x-kubernetes-validations\[0\]\.rule: Invalid value: apiextensions\.ValidationRule\{.*\}: compilation failed: ERROR: <input>:1:/);
    assert.deepEqual(rules([{ rule: 'self.a == "x"', fieldPath: '.nope' }]), [`${at}.fieldPath: Invalid value: ".nope": fieldPath must be a valid path`]);
    const list = errorsOf(withSchema({ type: 'object', properties: { l: { type: 'array', items: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf' }] } } } }));
    assert.deepEqual(list, ['spec.validation.openAPIV3Schema.properties[l].items.x-kubernetes-validations[0].rule: Invalid value: "self == oldSelf": oldSelf cannot be used on the uncorrelatable portion of the schema within spec.validation.openAPIV3Schema.properties[l]']);
  });

  it('a rule too expensive for unbounded lists is refused; bounding the list lets it pass', () => {
    const names = (maxItems?: number): JSONSchemaProps => ({
      type: 'object', properties: { names: { type: 'array', ...(maxItems ? { maxItems } : {}), items: { type: 'string', maxLength: 10 }, 'x-kubernetes-validations': [{ rule: 'self.all(x, self.all(y, x == y || x != y))' }] } },
    });
    assert.deepEqual(errorsOf(withSchema(names())), [
      'spec.validation.openAPIV3Schema.properties[names].x-kubernetes-validations[0].rule: Forbidden: estimated rule cost exceeds budget by factor of more than 100x (try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)',
      'spec.validation.openAPIV3Schema.properties[names].x-kubernetes-validations[0].rule: Forbidden: contributed to estimated rule cost total exceeding cost limit for entire OpenAPIv3 schema',
      'spec.validation.openAPIV3Schema: Forbidden: x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema exceeds budget by factor of more than 100x (try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)',
    ]);
    assert.deepEqual(errorsOf(withSchema(names(100))), []);
  });

  it('subresources and printer columns', () => {
    assert.deepEqual(errorsOf(withSchema(GOOD, { subresources: { scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: '.spec.replicas' } } })), [
      'spec.subresources.scale.specReplicasPath: Invalid value: "spec.replicas": must be a simple json path starting with .',
      'spec.subresources.scale.statusReplicasPath: Invalid value: ".spec.replicas": should be a json path under .status',
    ]);
    assert.deepEqual(errorsOf(withSchema(GOOD, { additionalPrinterColumns: [{ name: 'A', type: 'float', jsonPath: '.spec.a' }, { name: 'B', type: 'string', format: 'huge' }] })), [
      'spec.additionalPrinterColumns[0].type: Invalid value: "float": must be one of boolean,date,integer,number,string',
      'spec.additionalPrinterColumns[1].format: Invalid value: "huge": must be one of byte,date,date-time,double,float,int32,int64,password',
      'spec.additionalPrinterColumns[1].JSONPath: Required value',
    ]);
  });

  it('protected groups need the API approval annotation', () => {
    const o = crd({ group: 'x.k8s.io' }, 'widgets.x.k8s.io');
    assert.deepEqual(errorsOf(o), ['metadata.annotations[api-approved.kubernetes.io]: Required value: protected groups must have approval annotation "api-approved.kubernetes.io", see https://github.com/kubernetes/enhancements/pull/1111']);
    assert.deepEqual(errorsOf(crd({ group: 'x.k8s.io' }, 'widgets.x.k8s.io', { annotations: { 'api-approved.kubernetes.io': 'https://github.com/kubernetes/enhancements/pull/1111' } })), []);
    assert.deepEqual(errorsOf(crd({ group: 'x.k8s.io' }, 'widgets.x.k8s.io', { annotations: { 'api-approved.kubernetes.io': 'unapproved, experimental' } })), []);
  });

  it('on update: group and plural are immutable; scope and kind once Established', () => {
    const old = crd();
    old.status!.conditions = [{ type: 'Established', status: 'True' }];
    const next = crd({ scope: 'Cluster', names: { plural: 'widgets', kind: 'Gadget' } });
    next.status = old.status;
    assert.deepEqual(validateCRDUpdate(next, old).map(fieldErrorText), [
      'spec.scope: Invalid value: "Cluster": field is immutable',
      'spec.names.kind: Invalid value: "Gadget": field is immutable',
    ]);
  });
});

describe('structural schemas', () => {
  const errs = (s: JSONSchemaProps) => validateStructural('s', s).map(fieldErrorText);
  it('types everywhere the structural part specifies a node', () => {
    assert.deepEqual(errs({ properties: { a: {}, b: { type: 'array' } } }), [
      's.properties[a].type: Required value: must not be empty for specified object fields',
      's.properties[b].items: Required value: must be specified',
      's.type: Required value: must not be empty at the root',
    ]);
    assert.deepEqual(errs({ type: 'object', properties: { a: { 'x-kubernetes-preserve-unknown-fields': true }, b: { 'x-kubernetes-int-or-string': true } } }), []);
  });

  it('value validations may not specify types or declare fields the structure does not', () => {
    assert.deepEqual(errs({ type: 'object', properties: { a: { type: 'string' } }, anyOf: [{ type: 'object', properties: { b: { type: 'string' } } }] }), [
      's.anyOf[0].properties[b].type: Forbidden: must be empty to be structural',
      's.anyOf[0].type: Forbidden: must be empty to be structural',
      's.properties[b]: Required value: because it is defined in s.anyOf[0].properties[b]',
    ]);
  });

  it('metadata at the root says only name and generateName; int-or-string and preserve-unknown-fields exclude each other', () => {
    assert.deepEqual(errs({ type: 'object', properties: { metadata: { type: 'object', properties: { labels: { type: 'object' } } } } }), [
      's.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified',
    ]);
    assert.deepEqual(errs({ type: 'object', properties: { metadata: { type: 'object', properties: { name: { type: 'string', maxLength: 10 } } } } }), []);
    assert.deepEqual(errs({ type: 'object', properties: { p: { 'x-kubernetes-int-or-string': true, 'x-kubernetes-preserve-unknown-fields': true } } }), [
      's.properties[p].x-kubernetes-preserve-unknown-fields: Invalid value: true: must be false if x-kubernetes-int-or-string is true',
    ]);
    assert.deepEqual(errs({ type: 'object', properties: { p: { type: 'string', pattern: 'a(b' } } }), [
      's.properties[p].pattern: Invalid value: "a(b": must be a valid regular expression, but isn\'t: error parsing regexp: missing closing ): `a(b`',
    ]);
  });
});
