import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { acceptNames, setCondition } from './names.js';
import type { CRDNames, CustomResourceDefinition } from './types.js';
import { compareKubeAwareVersions, sortByPriority } from './versions.js';

const crd = (names: CRDNames, status: CustomResourceDefinition['status'] = {}): CustomResourceDefinition => ({
  metadata: { name: `${names.plural}.example.com` },
  spec: { group: 'example.com', scope: 'Namespaced', names, versions: [] },
  status,
});
const widgets: CRDNames = { plural: 'widgets', singular: 'widget', shortNames: ['wd'], kind: 'Widget', listKind: 'WidgetList' };

describe('names', () => {
  it('a CRD alone in its group gets every name it asks for and is Established', () => {
    const r = acceptNames(crd(widgets), []);
    assert.deepEqual(r.acceptedNames, widgets);
    assert.deepEqual(r.namesAccepted, { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' });
    assert.deepEqual(r.established, { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' });
  });

  it('names another CRD of the group holds are refused, the rest accepted; Established waits', () => {
    const r = acceptNames(crd({ plural: 'gadgets', singular: 'gadget', shortNames: ['wd', 'gd'], kind: 'Gadget', listKind: 'GadgetList' }), [widgets]);
    assert.deepEqual(r.namesAccepted, { type: 'NamesAccepted', status: 'False', reason: 'ShortNamesConflict', message: '"wd" is already in use' });
    assert.deepEqual(r.acceptedNames, { plural: 'gadgets', singular: 'gadget', kind: 'Gadget', listKind: 'GadgetList' });
    assert.deepEqual(r.established, { type: 'Established', status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' });
    const plural = acceptNames(crd({ plural: 'things', singular: 'widgets', kind: 'Thing', listKind: 'ThingList' }), [widgets]);
    assert.deepEqual([plural.namesAccepted.reason, plural.namesAccepted.message], ['SingularConflict', '"widgets" is already in use']);
  });

  it('names it already holds stay accepted, and Established stays True once it was', () => {
    const accepted = crd(widgets, { acceptedNames: widgets, conditions: [{ type: 'Established', status: 'True', reason: 'InitialNamesAccepted' }] });
    const r = acceptNames(accepted, [widgets]);
    assert.equal(r.namesAccepted.status, 'True');
    assert.equal(r.established.status, 'True');
  });

  it('conditions keep their transition time while their status holds', () => {
    const c1 = setCondition([], { type: 'A', status: 'True', reason: 'r' }, 't1');
    const c2 = setCondition(c1, { type: 'A', status: 'True', reason: 'r2' }, 't2');
    const c3 = setCondition(c2, { type: 'A', status: 'False', reason: 'r3' }, 't3');
    assert.deepEqual([c1[0].lastTransitionTime, c2[0].lastTransitionTime, c2[0].reason, c3[0].lastTransitionTime], ['t1', 't1', 'r2', 't3']);
  });
});

describe('version priority', () => {
  it('orders as Kubernetes does: GA, beta, alpha, then other names', () => {
    assert.deepEqual(sortByPriority(['v1alpha1', 'foo1', 'v1', 'v11beta2', 'v2', 'v10beta3', 'foo10', 'v12alpha1', 'v3beta1']),
      ['v2', 'v1', 'v11beta2', 'v10beta3', 'v3beta1', 'v12alpha1', 'v1alpha1', 'foo1', 'foo10']);
    assert.ok(compareKubeAwareVersions('v1', 'v1beta1') > 0);
  });
});
