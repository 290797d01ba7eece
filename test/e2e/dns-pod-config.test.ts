// Pods' resolver configuration as the kubelet writes it, for every dnsPolicy (ClusterFirst,
// ClusterFirstWithHostNet, Default, None; hostNetwork with ClusterFirst falls back to Default),
// pod.spec.dnsConfig merged in with upstream's limits, and /etc/hosts with the pod's own name and
// hostAliases. Read from inside each pod; a node's resolv.conf is <data dir>/nodes/resolv.conf (the gateway's DNS
// relay, with the host's search list), its hosts file the host's /etc/hosts.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import type { Cluster } from './lib/cluster.js';
import { apply, podExec, readyPod, startDnsCluster, toolboxPod } from './lib/dns.js';
import { waitFor } from './lib/wait.js';

interface ResolvConf { nameservers: string[]; search: string[]; options: string[] }

function parseResolvConf(text: string): ResolvConf {
  const conf: ResolvConf = { nameservers: [], search: [], options: [] };
  for (const line of text.split('\n')) {
    const [key, ...values] = line.trim().split(/\s+/);
    if (key === 'nameserver') conf.nameservers.push(values[0]);
    if (key === 'search') conf.search = values;
    if (key === 'options') conf.options = values;
  }
  return conf;
}

const HOST = parseResolvConf(readFileSync('/etc/resolv.conf', 'utf8'));
const CLUSTER_SEARCH = (ns: string) => [`${ns}.svc.cluster.local`, 'svc.cluster.local', 'cluster.local'];
const sorted = (c: ResolvConf) => ({ ...c, options: [...c.options].sort() });

const DOC_DNS_CONFIG = { // the Kubernetes documentation's example (Pod's DNS Config)
  nameservers: ['192.0.2.1'],
  searches: ['ns1.svc.cluster-domain.example', 'my.dns.search.suffix'],
  options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }],
};
const MANY_SEARCHES = Array.from({ length: 30 }, (_, i) => `s${i}.example`);
const HOST_ALIASES = [{ ip: '127.0.0.1', hostnames: ['foo.local', 'bar.local'] }, { ip: '10.1.2.3', hostnames: ['foo.remote', 'bar.remote'] }];

const pods: [string, string, Record<string, unknown>][] = [
  ['cluster-first', 'other', {}],
  ['with-host-net', 'default', { hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }],
  ['host-net', 'default', { hostNetwork: true, hostAliases: HOST_ALIASES }],
  ['default-policy', 'default', { dnsPolicy: 'Default' }],
  ['none', 'default', { dnsPolicy: 'None', dnsConfig: DOC_DNS_CONFIG }],
  ['merged', 'default', { dnsConfig: DOC_DNS_CONFIG }],
  ['limits', 'default', { dnsConfig: { nameservers: ['192.0.2.1', '192.0.2.2', '192.0.2.3'], searches: MANY_SEARCHES } }],
  ['aliases', 'default', { hostAliases: HOST_ALIASES }],
  ['named', 'default', { hostname: 'db-1', subdomain: 'db' }],
];

describe('pods\' resolv.conf and hosts files', () => {
  let c: Cluster;
  const resolvConf = async (pod: string, ns = 'default') => parseResolvConf((await podExec(c, pod, ['cat', '/etc/resolv.conf'], ns)).stdout);

  before(async () => {
    c = await startDnsCluster();
    await apply(c, [YAML.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } }), ...pods.map(([name, ns, spec]) => toolboxPod(name, ns, spec))].join('---\n'));
    await Promise.all(pods.map(([name, ns]) => readyPod(c, name, ns)));
  });
  after(async () => {
    await c?.down();
  });

  test('ClusterFirst (the default): kube-dns, the namespace\'s search path then the node\'s, ndots:5', async () => {
    assert.deepEqual(await resolvConf('cluster-first', 'other'), {
      nameservers: ['10.96.0.10'], search: [...new Set([...CLUSTER_SEARCH('other'), ...HOST.search])], options: ['ndots:5'],
    });
  });

  test('ClusterFirstWithHostNet: a hostNetwork pod on cluster DNS, which answers it', async () => {
    assert.deepEqual(await resolvConf('with-host-net'), {
      nameservers: ['10.96.0.10'], search: [...new Set([...CLUSTER_SEARCH('default'), ...HOST.search])], options: ['ndots:5'],
    });
    const r = await podExec(c, 'with-host-net', ['nslookup', 'kubernetes.default.svc.cluster.local']);
    assert.match(r.stdout, /^Address: 10\.96\.0\.1$/m, r.stdout + r.stderr);
  });

  // The node's resolv.conf: the gateway's DNS relay as nameserver, the host's search list and options kept.
  const nodeConf = () => parseResolvConf(readFileSync(join(c.dataDir, 'nodes', 'resolv.conf'), 'utf8'));

  test('hostNetwork with ClusterFirst falls back to Default: the node\'s resolv.conf', async () => {
    assert.deepEqual(await resolvConf('host-net'), nodeConf());
    assert.deepEqual(nodeConf().search, HOST.search);
  });

  test('Default: the node\'s resolv.conf', async () => {
    assert.deepEqual(await resolvConf('default-policy'), nodeConf());
    assert.notDeepEqual(nodeConf().nameservers, HOST.nameservers, 'the node resolves through the gateway, not the host\'s own nameserver');
  });

  test('None: exactly the pod\'s dnsConfig', async () => {
    assert.deepEqual(sorted(await resolvConf('none')), { nameservers: ['192.0.2.1'], search: DOC_DNS_CONFIG.searches, options: ['edns0', 'ndots:2'] });
  });

  test('dnsConfig merges into ClusterFirst: nameservers and searches appended, same-named options replaced', async () => {
    assert.deepEqual(sorted(await resolvConf('merged')), {
      nameservers: ['10.96.0.10', '192.0.2.1'],
      search: [...new Set([...CLUSTER_SEARCH('default'), ...HOST.search, ...DOC_DNS_CONFIG.searches])],
      options: ['edns0', 'ndots:2'],
    });
  });

  test('over the limits: 3 nameservers and 32 search paths kept, with a DNSConfigForming warning each', async () => {
    const conf = await resolvConf('limits');
    const search = [...new Set([...CLUSTER_SEARCH('default'), ...HOST.search, ...MANY_SEARCHES])].slice(0, 32);
    assert.deepEqual(conf, { nameservers: ['10.96.0.10', '192.0.2.1', '192.0.2.2'], search, options: ['ndots:5'] });
    const events = await waitFor('the DNSConfigForming events of the limits pod', async () =>
      (await c.kubectlJson<{ items: { type: string; reason: string; message: string }[] }>(['get', 'events', '--field-selector', 'involvedObject.name=limits'])).items
        .filter((e) => e.reason === 'DNSConfigForming'), (e) => e.length >= 2);
    assert.deepEqual(new Set(events.map((e) => `${e.type} ${e.message}`)), new Set([
      'Warning Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: 10.96.0.10 192.0.2.1 192.0.2.2',
      `Warning Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${search.join(' ')}`,
    ]));
  });

  test('the API server refuses dnsConfig that breaks upstream\'s rules, in upstream\'s words', async () => {
    const pod = (name: string, spec: Record<string, unknown>) => toolboxPod(name, 'default', spec);
    const noConfig = await c.kubectl(['apply', '-f', '-'], { input: pod('bad-none', { dnsPolicy: 'None' }) });
    assert.match(noConfig.stderr, /spec\.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None/);
    const noServer = await c.kubectl(['apply', '-f', '-'], { input: pod('bad-none', { dnsPolicy: 'None', dnsConfig: { searches: ['a.example'] } }) });
    assert.match(noServer.stderr, /spec\.dnsConfig\.nameservers: Required value: must provide at least one DNS nameserver when `dnsPolicy` is None/);
    const four = await c.kubectl(['apply', '-f', '-'], { input: pod('bad-four', { dnsConfig: { nameservers: ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4'] } }) });
    assert.match(four.stderr, /spec\.dnsConfig\.nameservers: Invalid value: .*: must not have more than 3 nameservers/);
    const searches = await c.kubectl(['apply', '-f', '-'], { input: pod('bad-search', { dnsConfig: { searches: Array.from({ length: 33 }, (_, i) => `s${i}.example`) } }) });
    assert.match(searches.stderr, /spec\.dnsConfig\.searches: Invalid value: .*: must not have more than 32 search paths/);
  });

  test('/etc/hosts: the managed file with the pod\'s IP and name, then the hostAliases', async () => {
    const aliases = await readyPod(c, 'aliases');
    const hosts = (await podExec(c, 'aliases', ['cat', '/etc/hosts'])).stdout;
    assert.equal(hosts, [
      '# Kubernetes-managed hosts file.',
      '127.0.0.1\tlocalhost',
      '::1\tlocalhost ip6-localhost ip6-loopback',
      'fe00::0\tip6-localnet',
      'fe00::0\tip6-mcastprefix',
      'fe00::1\tip6-allnodes',
      'fe00::2\tip6-allrouters',
      `${aliases.status!.podIP}\taliases`,
      '',
      '# Entries added by HostAliases.',
      '127.0.0.1\tfoo.local\tbar.local',
      '10.1.2.3\tfoo.remote\tbar.remote',
      '',
    ].join('\n'));
    // the C library's resolver reads it: a hostAlias resolves without DNS
    const lookup = await podExec(c, 'aliases', ['node', '-e', 'require("dns").lookup("bar.remote", (e, a) => console.log(e ? e.code : a))']);
    assert.equal(lookup.stdout.trim(), '10.1.2.3');
  });

  test('/etc/hosts of a pod with hostname and subdomain names its FQDN first', async () => {
    const named = await readyPod(c, 'named');
    const hosts = (await podExec(c, 'named', ['cat', '/etc/hosts'])).stdout;
    assert.match(hosts, new RegExp(`^${named.status!.podIP!.replaceAll('.', '\\.')}\\tdb-1\\.db\\.default\\.svc\\.cluster\\.local\\tdb-1$`, 'm'));
    assert.equal((await podExec(c, 'named', ['hostname'])).stdout.trim(), 'db-1');
  });

  test('/etc/hosts of a hostNetwork pod: the node\'s file, then the hostAliases', async () => {
    const hosts = (await podExec(c, 'host-net', ['cat', '/etc/hosts'])).stdout;
    const nodeHosts = readFileSync('/etc/hosts', 'utf8');
    assert.equal(hosts, `# Kubernetes-managed hosts file (host network).\n${nodeHosts}\n# Entries added by HostAliases.\n127.0.0.1\tfoo.local\tbar.local\n10.1.2.3\tfoo.remote\tbar.remote\n`);
  });
});
