// Which cluster a command addresses without --name.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from './args.js';
import { chooseCluster } from './cluster-choice.js';

test('the current kubeconfig context\'s cluster, running or not, over any other', () => {
  assert.deepEqual(chooseCluster('dev', ['dev', 'prod'], ['prod']), { name: 'dev', reason: 'the current kubeconfig context' });
  assert.deepEqual(chooseCluster('dev', ['dev', 'a', 'b'], ['a', 'b']), { name: 'dev', reason: 'the current kubeconfig context' });
});

test('else the only cluster running, saying why the context was passed over', () => {
  assert.deepEqual(chooseCluster('kind-x', ['dev', 'prod'], ['prod']),
    { name: 'prod', reason: 'the only knit cluster running; the current kubeconfig context "kind-x" is not a knit cluster' });
  assert.deepEqual(chooseCluster(undefined, ['prod'], ['prod']),
    { name: 'prod', reason: 'the only knit cluster running; no kubeconfig context is current' });
});

test('several running and none current: a usage error naming them', () => {
  assert.throws(() => chooseCluster('kind-x', ['a', 'b', 'c'], ['a', 'c']), (e: unknown) => e instanceof UsageError
    && e.message === '2 knit clusters are running (a, c) and the current kubeconfig context "kind-x" is not a knit cluster: say which with --name');
  assert.throws(() => chooseCluster(undefined, ['a', 'b'], ['a', 'b']), /\(a, b\) and no kubeconfig context is current: say which with --name/);
});

test('none running and none current: the default name "knit", said nowhere', () => {
  assert.deepEqual(chooseCluster(undefined, [], []), { name: 'knit' });
  assert.deepEqual(chooseCluster('kind-x', ['dev'], []), { name: 'knit' });
});
