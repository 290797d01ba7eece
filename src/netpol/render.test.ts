import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { computeNodePolicy, type PolicyInputs } from './model.js';
import { renderDiff, renderFull } from './nft.js';
import { renderObjects } from './render.js';
import { namespace, pod, policy } from './testing.js';

const state = (policies: PolicyInputs['policies'], extraPods: PolicyInputs['pods'] = []): PolicyInputs => ({
  nodeName: 'node-1',
  namespaces: [namespace('prod')],
  pods: [
    pod('prod/backend', { ip: '10.244.1.2', labels: { app: 'backend' } }),
    pod('prod/frontend', { ip: '10.244.1.3', labels: { app: 'frontend' } }),
    ...extraPods,
  ],
  policies,
});

const allowFrontend = policy('prod/allow-frontend-to-backend', {
  podSelector: { matchLabels: { app: 'backend' } }, policyTypes: ['Ingress'],
  ingress: [{ from: [{ podSelector: { matchLabels: { app: 'frontend' } } }], ports: [{ protocol: 'TCP', port: 8080 }] }],
});

describe('nftables text', () => {
  it('renders the seeds\' allow-frontend-to-backend as a table that replaces what the kernel holds', () => {
    const text = renderFull(renderObjects(computeNodePolicy(state([allowFrontend]))));
    const id = /goto ingress-([0-9a-f]{12})/.exec(text)![1];
    assert.equal(text, `add table inet knit-netpol
delete table inet knit-netpol
table inet knit-netpol {
	map egress-pods {
		type ipv4_addr : verdict;
	}
	map ingress-pods {
		type ipv4_addr : verdict;
		elements = { 10.244.1.2 : goto ingress-${id} }
	}
	set ingress-${id}-peers {
		type ipv4_addr; flags interval;
	}
	set ingress-${id}-peer-ports {
		type ipv4_addr . inet_proto . inet_service; flags interval;
		elements = { 10.244.1.3 . tcp . 8080 }
	}
	set ingress-${id}-ports {
		type inet_proto . inet_service; flags interval;
	}
	set ingress-${id}-named {
		type ipv4_addr . ipv4_addr . inet_proto . inet_service; flags interval;
	}
	map egress-admin-pods {
		type ipv4_addr : verdict;
	}
	map ingress-admin-pods {
		type ipv4_addr : verdict;
	}
	map egress-baseline-pods {
		type ipv4_addr : verdict;
	}
	map ingress-baseline-pods {
		type ipv4_addr : verdict;
	}
	chain egress {
		type filter hook forward priority filter - 5; policy accept;
		ct state established,related accept
		ip saddr vmap @egress-admin-pods
		ip saddr vmap @egress-pods
		ip saddr vmap @egress-baseline-pods
	}
	chain ingress {
		type filter hook forward priority filter; policy accept;
		ct state established,related accept
		ip daddr vmap @ingress-admin-pods
		ip daddr vmap @ingress-pods
		ip daddr vmap @ingress-baseline-pods
	}
	chain ingress-${id} {
		ip saddr @ingress-${id}-peers accept
		ip saddr . meta l4proto . th dport @ingress-${id}-peer-ports accept
		meta l4proto . th dport @ingress-${id}-ports accept
		ip daddr . ip saddr . meta l4proto . th dport @ingress-${id}-named accept
		limit rate 100/second burst 200 packets log prefix "knit-np:d:i:${id}" group 1
		drop comment "isolated by prod/allow-frontend-to-backend"
	}
}
`);
  });

  it('a pod that comes or goes changes elements only', () => {
    const before = renderObjects(computeNodePolicy(state([allowFrontend])));
    const after = renderObjects(computeNodePolicy(state([allowFrontend], [
      pod('prod/backend-2', { ip: '10.244.1.7', labels: { app: 'backend' } }),
      pod('prod/frontend-2', { ip: '10.244.2.9', node: 'node-2', labels: { app: 'frontend' } }),
    ])));
    const diff = renderDiff(before, after).trim().split('\n');
    assert.equal(diff.length, 2);
    assert.match(diff[0], /^add element inet knit-netpol ingress-pods \{ 10\.244\.1\.7 : goto ingress-[0-9a-f]{12} \}$/);
    assert.match(diff[1], /^add element inet knit-netpol ingress-[0-9a-f]{12}-peer-ports \{ 10\.244\.2\.9 \. tcp \. 8080 \}$/);
    assert.equal(renderDiff(after, before).trim().split('\n').filter((l) => l.startsWith('delete element')).length, 2);
    assert.equal(renderDiff(after, after), '');
  });

  it('a policy deleted takes its chain and sets with it, after the map no longer leads there', () => {
    const before = renderObjects(computeNodePolicy(state([allowFrontend])));
    const after = renderObjects(computeNodePolicy(state([])));
    const diff = renderDiff(before, after).trim().split('\n');
    const verbs = diff.map((l) => l.split(' ').slice(0, 2).join(' '));
    assert.deepEqual(verbs, ['delete element', 'flush chain', 'delete chain', 'delete set', 'delete set', 'delete set', 'delete set']);
    assert.match(diff[0], /ingress-pods \{ 10\.244\.1\.2 : goto/);
  });

  it('an audited policy logs what it would deny and lets it through', () => {
    const audited = { ...allowFrontend, metadata: { ...allowFrontend.metadata, annotations: { 'policy.knit.dev/mode': 'audit' } } };
    const text = renderFull(renderObjects(computeNodePolicy(state([audited]))));
    const id = /goto ingress-([0-9a-f]{12})/.exec(text)![1];
    assert.match(text, new RegExp(`\\tchain ingress-${id} \\{\\n(\\t\\t.* accept\\n){4}\\t\\tgoto ingress-${id}-audit\\n\\t\\}`));
    assert.match(text, new RegExp(`\\tchain ingress-${id}-audit \\{\\n\\t\\tlimit rate 100/second burst 200 packets log prefix "knit-np:a:i:${id}" group 1\\n\\t\\taccept\\n\\t\\}`));
    assert.doesNotMatch(text, /drop/);
  });
});
