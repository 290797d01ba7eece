import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '../../kube/types.js';
import { podHostnameAndDomain, podHostsFile } from './hosts.js';

const HEADER = '# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n';
const pod = (spec: Partial<Pod['spec']> = {}, name = 'nginx-7c79c4bf97-x2k9p'): Pod => ({ metadata: { name, namespace: 'default', uid: 'u' }, spec: { containers: [{ name: 'c' }], ...spec } });

test('managed hosts file: localhost entries, then the pod IPs with the pod name', () => {
  assert.equal(podHostsFile(pod(), ['10.244.1.5'], 'cluster.local'), `${HEADER}10.244.1.5\tnginx-7c79c4bf97-x2k9p\n`);
  assert.equal(podHostsFile(pod(), ['10.244.1.4', '2001:db8::4'], 'cluster.local'), `${HEADER}10.244.1.4\tnginx-7c79c4bf97-x2k9p\n2001:db8::4\tnginx-7c79c4bf97-x2k9p\n`);
});

test('hostname and subdomain give the FQDN first', () => {
  const p = pod({ hostname: 'pod-hostname', subdomain: 'pod-subdomain' });
  assert.equal(podHostsFile(p, ['172.17.0.3'], 'cluster.local'), `${HEADER}172.17.0.3\tpod-hostname.pod-subdomain.default.svc.cluster.local\tpod-hostname\n`);
  assert.deepEqual(podHostnameAndDomain(p, 'cluster.local'), { hostname: 'pod-hostname', domain: 'pod-subdomain.default.svc.cluster.local' });
});

test('hostAliases come last under their own comment', () => {
  const p = pod({ hostAliases: [{ ip: '127.0.0.1', hostnames: ['foo.local', 'bar.local'] }, { ip: '10.1.2.3', hostnames: ['foo.remote', 'bar.remote'] }] }, 'hostaliases-pod');
  assert.equal(podHostsFile(p, ['10.200.0.5'], 'cluster.local'),
    `${HEADER}10.200.0.5\thostaliases-pod\n\n# Entries added by HostAliases.\n127.0.0.1\tfoo.local\tbar.local\n10.1.2.3\tfoo.remote\tbar.remote\n`);
});

test('hostNetwork pods get the node hosts file under the host-network header', () => {
  const p = pod({ hostNetwork: true, hostAliases: [{ ip: '192.168.8.61', hostnames: ['test.henry.com'] }] });
  assert.equal(podHostsFile(p, ['192.168.1.10'], 'cluster.local', '127.0.0.1 localhost\n'),
    '# Kubernetes-managed hosts file (host network).\n127.0.0.1 localhost\n\n# Entries added by HostAliases.\n192.168.8.61\ttest.henry.com\n');
});

test('a hostname longer than 63 characters is cut and loses trailing dashes', () => {
  const name = `${'a'.repeat(62)}-bcd`;
  assert.equal(podHostnameAndDomain(pod({}, name), 'cluster.local').hostname, 'a'.repeat(62));
});
