import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorText } from '../../../kube/errors.js';
import type { JSONSchemaProps, ValidationRule } from '../types.js';
import { escapeProperty, unescapeProperty } from './escaping.js';
import { evaluateRules } from './evaluate.js';
import { compileRuleTree, ruleCompileErrors } from './rules.js';

/** A root schema whose spec has `properties` and the rules `rules`. */
const specWith = (properties: Record<string, JSONSchemaProps>, rules: ValidationRule[], extra: JSONSchemaProps = {}): JSONSchemaProps => ({
  type: 'object', properties: { spec: { type: 'object', properties, 'x-kubernetes-validations': rules, ...extra } },
});
function check(schema: JSONSchemaProps, obj: Record<string, unknown>, old?: Record<string, unknown>): string[] {
  return evaluateRules(compileRuleTree(schema), obj, old).errors.map(fieldErrorText);
}

const replicas = { replicas: { type: 'integer' }, max: { type: 'integer' }, name: { type: 'string' } } satisfies Record<string, JSONSchemaProps>;

describe('x-kubernetes-validations', () => {
  it('reports the rule\'s message, messageExpression, or "failed rule: <rule>" at the rule\'s field', () => {
    const s = specWith(replicas, [
      { rule: 'self.replicas <= self.max', message: 'replicas must not exceed max' },
      { rule: 'self.name.startsWith("a")', messageExpression: '"name " + self.name + " must start with a"' },
      { rule: 'self.replicas != 13' },
    ]);
    assert.deepEqual(check(s, { spec: { replicas: 3, max: 5, name: 'ab' } }), []);
    assert.deepEqual(check(s, { spec: { replicas: 13, max: 5, name: 'b' } }), [
      'spec: Invalid value: "object": replicas must not exceed max',
      'spec: Invalid value: "object": name b must start with a',
      'spec: Invalid value: "object": failed rule: self.replicas != 13',
    ]);
  });

  it('honours fieldPath and reason', () => {
    const s = specWith(replicas, [
      { rule: 'self.replicas <= self.max', message: 'too many', fieldPath: '.replicas', reason: 'FieldValueForbidden' },
      { rule: 'has(self.name)', message: 'name is required', reason: 'FieldValueRequired', fieldPath: '.name' },
    ]);
    assert.deepEqual(check(s, { spec: { replicas: 9, max: 1 } }), ['spec.replicas: Forbidden: too many', 'spec.name: Required value: name is required']);
  });

  it('rules on the root report a nil path; rules run on list items and map values with their paths', () => {
    const s: JSONSchemaProps = {
      type: 'object', 'x-kubernetes-validations': [{ rule: 'self.metadata.name.size() < 5', message: 'short names only' }],
      properties: {
        items: { type: 'array', items: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self.size() > 1' }] } },
        labels: { type: 'object', additionalProperties: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self != "bad"' }] } },
      },
    };
    assert.deepEqual(check(s, { metadata: { name: 'toolong' }, items: ['ok', 'x'], labels: { a: 'bad' } }), [
      '<nil>: Invalid value: "object": short names only',
      'items[1]: Invalid value: "string": failed rule: self.size() > 1',
      'labels[a]: Invalid value: "string": failed rule: self != "bad"',
    ]);
  });

  it('transition rules compare with the old object, and only on update', () => {
    const s = specWith({ owner: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'owner is immutable' }] } }, []);
    assert.deepEqual(check(s, { spec: { owner: 'a' } }), []);
    assert.deepEqual(check(s, { spec: { owner: 'b' } }, { spec: { owner: 'a' } }), ['spec.owner: Invalid value: "string": owner is immutable']);
    assert.deepEqual(check(s, { spec: { owner: 'a' } }, { spec: { owner: 'a' } }), []);
    // A field that was not there before has no oldSelf: the rule does not run.
    assert.deepEqual(check(s, { spec: { owner: 'b' } }, { spec: {} }), []);
    const optional = specWith({ owner: { type: 'string', 'x-kubernetes-validations': [{ rule: 'oldSelf == null || self == oldSelf', optionalOldSelf: true }] } }, []);
    assert.deepEqual(check(optional, { spec: { owner: 'b' } }), []);
  });

  it('list-type=map items correlate with the old items by key', () => {
    const s: JSONSchemaProps = {
      type: 'object', properties: {
        ports: {
          type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'],
          items: { type: 'object', properties: { name: { type: 'string' }, port: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'fixed' }] } } },
        },
      },
    };
    assert.deepEqual(check(s, { ports: [{ name: 'b', port: 2 }, { name: 'a', port: 1 }] }, { ports: [{ name: 'a', port: 1 }, { name: 'b', port: 2 }] }), []);
    assert.deepEqual(check(s, { ports: [{ name: 'a', port: 3 }] }, { ports: [{ name: 'a', port: 1 }] }), ['ports[0].port: Invalid value: "integer": fixed']);
  });

  it('a failing rule on a value the update did not change is a warning (ratcheting)', () => {
    const s = specWith(replicas, [{ rule: 'self.replicas < 10', message: 'too many' }]);
    const r = evaluateRules(compileRuleTree(s), { spec: { replicas: 20 } }, { spec: { replicas: 20 } });
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.warnings, ['spec: Invalid value: "object": too many']);
  });

  it('runtime errors in cel-go\'s words', () => {
    const s = specWith({ ...replicas, ratio: { type: 'number' }, free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } }, [
      { rule: 'self.free.missing == 1' },
      { rule: 'self.ratio + 1 > 0' },
    ]);
    assert.deepEqual(check(s, { spec: { free: {}, ratio: 1.5 } }), [
      'spec: Invalid value: "object": no such key: missing evaluating rule: self.free.missing == 1',
      'spec: Invalid value: "object": \'no such overload\': call arguments did not match a supported operator, function or macro signature for rule: self.ratio + 1 > 0',
    ]);
  });

  it('integers are ints, numbers doubles; Kubernetes\' library functions are there', () => {
    const s = specWith({
      ip: { type: 'string' }, cidr: { type: 'string' }, list: { type: 'array', items: { type: 'integer' } }, text: { type: 'string' }, when: { type: 'string', format: 'date-time' },
    }, [
      { rule: 'isIP(self.ip) && !isIP("1.2.3")', message: 'ip' },
      { rule: 'isCIDR(self.cidr)', message: 'cidr' },
      { rule: 'self.list.isSorted() && self.list.sum() == 6 && self.list.max() == 3 && self.list.indexOf(2) == 1', message: 'lists' },
      { rule: 'self.text.find("[0-9]+") == "42" && self.text.findAll("[a-zA-Z]").size() == 2', message: 'regex' },
      { rule: 'self.text.matches("^a") && self.text.split("4").size() == 2 && self.text.lowerAscii() == "ab42"', message: 'strings' },
      { rule: 'self.when < timestamp("2030-01-01T00:00:00Z")', message: 'time' },
      { rule: 'self.list.all(x, x > 0) && self.list.exists_one(x, x == 2) && self.list.filter(x, x > 1).size() == 2 && self.list.map(x, x * 2)[2] == 6', message: 'macros' },
    ]);
    assert.deepEqual(check(s, { spec: { ip: '10.1.2.3', cidr: '10.0.0.0/8', list: [1, 2, 3], text: 'aB42', when: '2024-01-01T00:00:00Z' } }), []);
    assert.deepEqual(check(s, { spec: { ip: 'x', cidr: '10.0.0.0/33', list: [3, 2, 1], text: 'aB42', when: '2024-01-01T00:00:00Z' } }), [
      'spec: Invalid value: "object": ip', 'spec: Invalid value: "object": cidr', 'spec: Invalid value: "object": lists',
      'spec: Invalid value: "object": macros',
    ]);
  });

  it('property names Kubernetes escapes: namespace is __namespace__', () => {
    assert.equal(escapeProperty('namespace'), '__namespace__');
    assert.equal(escapeProperty('a.b-c/d__e'), 'a__dot__b__dash__c__slash__d__underscores__e');
    assert.equal(escapeProperty('1st'), undefined);
    assert.equal(unescapeProperty('a__dot__b'), 'a.b');
    const s = specWith({ namespace: { type: 'string' } }, [{ rule: 'has(self.__namespace__) && self.__namespace__ == "x"' }]);
    assert.deepEqual(ruleCompileErrors(s.properties!.spec, 'p', false), []);
    assert.deepEqual(check(s, { spec: { namespace: 'x' } }), []);
  });

  it('refuses at compile time what cannot compile', () => {
    const errs = ruleCompileErrors({ type: 'object', properties: { a: { type: 'string' } }, 'x-kubernetes-validations': [{ rule: 'self.b == 1' }, { rule: 'self.a == "x"', messageExpression: 'self.a +' }] }, 'p', false).map(fieldErrorText);
    assert.equal(errs[0], 'p.x-kubernetes-validations[0].rule: Invalid value: apiextensions.ValidationRule{Rule:"self.b == 1", Message:"", MessageExpression:"", Reason:(*apiextensions.FieldValueErrorReason)(nil), FieldPath:"", OptionalOldSelf:(*bool)(nil)}: compilation failed: ERROR: <input>:1:5: undefined field \'b\'');
    assert.match(errs[1], /^p\.x-kubernetes-validations\[1\]\.messageExpression: Invalid value: apiextensions\.ValidationRule\{.*\}: messageExpression compilation failed: ERROR: <input>:1:/);
  });
});
