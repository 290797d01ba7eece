import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../kube/types.js';
import { aggregatedRules } from './clusterroleaggregation.js';

const role = (name: string, labels: Record<string, string>, rules: unknown[], aggregateFrom?: string): KubeObject => ({
  metadata: { name, labels },
  rules,
  ...(aggregateFrom ? { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [aggregateFrom]: 'true' } }] } } : {}),
});

const pods = { verbs: ['get'], apiGroups: [''], resources: ['pods'] };
const crons = { verbs: ['get'], apiGroups: ['example.com'], resources: ['crontabs'] };

test('an aggregated role holds the rules of the roles its selectors match, by name, each rule once', () => {
  const view = role('view', {}, [], 'aggregate-to-view');
  const all = [
    view,
    role('z-crontabs', { 'aggregate-to-view': 'true' }, [crons, pods]),
    role('a-pods', { 'aggregate-to-view': 'true' }, [pods]),
    role('unrelated', { other: 'true' }, [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }]),
  ];
  assert.deepEqual(aggregatedRules(view, all), [pods, crons]);
  // Losing its label takes a role's rules away again.
  assert.deepEqual(aggregatedRules(view, all.filter((r) => r.metadata.name !== 'z-crontabs')), [pods]);
});

test('chained aggregation: a role that is itself aggregated contributes what it holds', () => {
  const edit = role('edit', { 'aggregate-to-admin': 'true' }, [pods], 'aggregate-to-edit');
  const admin = role('admin', {}, [], 'aggregate-to-admin');
  assert.deepEqual(aggregatedRules(admin, [admin, edit]), [pods]);
  assert.deepEqual(aggregatedRules(admin, [admin]), [], 'nothing matches: no rules');
});
