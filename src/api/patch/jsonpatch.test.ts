import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyJsonPatch, JsonPatchError } from './jsonpatch.js';

const fails = (doc: unknown, ops: unknown[], message: string) =>
  assert.throws(() => applyJsonPatch(doc, ops), (e: unknown) => e instanceof JsonPatchError && e.message === message);

describe('applyJsonPatch: RFC 6902 appendix A', () => {
  const cases: [string, unknown, unknown[], unknown][] = [
    ['A.1 adding an object member', { foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }], { baz: 'qux', foo: 'bar' }],
    ['A.2 adding an array element', { foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }], { foo: ['bar', 'qux', 'baz'] }],
    ['A.3 removing an object member', { baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }], { foo: 'bar' }],
    ['A.4 removing an array element', { foo: ['bar', 'qux', 'baz'] }, [{ op: 'remove', path: '/foo/1' }], { foo: ['bar', 'baz'] }],
    ['A.5 replacing a value', { baz: 'qux', foo: 'bar' }, [{ op: 'replace', path: '/baz', value: 'boo' }], { baz: 'boo', foo: 'bar' }],
    ['A.6 moving a value', { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } },
      [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }], { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } }],
    ['A.7 moving an array element', { foo: ['all', 'grass', 'cows', 'eat'] }, [{ op: 'move', from: '/foo/1', path: '/foo/3' }],
      { foo: ['all', 'cows', 'eat', 'grass'] }],
    ['A.8 testing a value: success', { baz: 'qux', foo: ['a', 2, 'c'] },
      [{ op: 'test', path: '/baz', value: 'qux' }, { op: 'test', path: '/foo/1', value: 2 }], { baz: 'qux', foo: ['a', 2, 'c'] }],
    ['A.10 adding a nested member object', { foo: 'bar' }, [{ op: 'add', path: '/child', value: { grandchild: {} } }],
      { foo: 'bar', child: { grandchild: {} } }],
    ['A.11 ignoring unrecognized elements', { foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux', xyz: 123 }], { foo: 'bar', baz: 'qux' }],
    ['A.14 ~ escape ordering', { '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: 10 }], { '/': 9, '~1': 10 }],
    ['A.16 adding an array value', { foo: ['bar'] }, [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }], { foo: ['bar', ['abc', 'def']] }],
    ['copy', { a: { b: [1] } }, [{ op: 'copy', from: '/a', path: '/c' }], { a: { b: [1] }, c: { b: [1] } }],
  ];
  for (const [name, doc, ops, want] of cases) {
    it(name, () => {
      const before = structuredClone(doc);
      assert.deepEqual(applyJsonPatch(doc, ops), want);
      assert.deepEqual(doc, before, 'the input is not changed');
    });
  }

  it('A.9, A.12, A.15: failures, in evanphx/json-patch words', () => {
    fails({ baz: 'qux' }, [{ op: 'test', path: '/baz', value: 'bar' }], 'testing value /baz failed: test failed');
    fails({ foo: 'bar' }, [{ op: 'add', path: '/baz/bat', value: 'qux' }], 'add operation does not apply: doc is missing path: "/baz/bat": missing value');
    fails({ '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: '10' }], 'testing value /~01 failed: test failed');
  });
});

describe('applyJsonPatch: the library upstream uses', () => {
  it('applies what kubectl patch --type json sends', () => {
    const deploy = { spec: { replicas: 1, template: { spec: { containers: [{ name: 'web', image: 'nginx:1.24' }] } } } };
    const out = applyJsonPatch(deploy, [
      { op: 'replace', path: '/spec/replicas', value: 3 },
      { op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'nginx:1.25' },
      { op: 'add', path: '/spec/template/spec/containers/0/ports', value: [{ containerPort: 80 }] },
    ]);
    assert.deepEqual(out, { spec: { replicas: 3, template: { spec: { containers: [{ name: 'web', image: 'nginx:1.25', ports: [{ containerPort: 80 }] }] } } } });
  });

  it('counts negative indices from the end, and replace adds a missing object key', () => {
    assert.deepEqual(applyJsonPatch({ a: [1, 2, 3] }, [{ op: 'remove', path: '/a/-1' }]), { a: [1, 2] });
    assert.deepEqual(applyJsonPatch({ a: {} }, [{ op: 'replace', path: '/a/b', value: 1 }]), { a: { b: 1 } });
  });

  it('reports each failure as the library does', () => {
    fails({ a: 1 }, [{ op: 'remove', path: '/b' }], "error in remove for path: '/b': Unable to remove nonexistent key: b: missing value");
    fails({ a: [1] }, [{ op: 'remove', path: '/a/5' }], "error in remove for path: '/a/5': Unable to access invalid index: 5: invalid index referenced");
    fails({ a: [1] }, [{ op: 'add', path: '/a/x', value: 1 }],
      `error in add for path: '/a/x': value was not a proper array index: 'x': strconv.Atoi: parsing "x": invalid syntax`);
    fails({ a: [1] }, [{ op: 'replace', path: '/a/3', value: 1 }], 'replace operation does not apply: doc is missing key: /a/3: missing value');
    fails({ a: 1 }, [{ op: 'replace', path: '/x/y', value: 1 }], 'replace operation does not apply: doc is missing path: /x/y: missing value');
    fails({ a: 1 }, [{ op: 'move', from: '/x/y', path: '/b' }], 'move operation does not apply: doc is missing from path: /x/y: missing value');
    fails({ a: 1 }, [{ op: 'copy', from: '/a', path: '/x/y' }], 'copy operation does not apply: doc is missing destination path: /x/y: missing value');
    fails({ a: 1 }, [{ op: 'add', value: 1 }], 'add operation failed to decode path: missing value');
    fails({ a: 1 }, [{ op: 'replace', value: 1 }], 'replace operation failed to decode path: operation missing path field: missing value');
    fails({ a: 1 }, [{ op: 'test', path: '/x/y', value: 1 }], 'test operation does not apply: is missing path: /x/y: missing value');
    fails({ a: 1 }, [{ op: 'frobnicate', path: '/a' }], 'Unexpected kind: frobnicate');
    fails({ a: 1 }, [{ path: '/a' }], 'Unexpected kind: unknown');
  });
});
