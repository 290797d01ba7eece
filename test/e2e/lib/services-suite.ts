// The behaviour every kube-proxy mode must show on a real 3-node knit cluster, with the real
// kubectl and curl and the kernel's own rules: run by services-iptables.test.ts and
// services-nftables.test.ts, one cluster each. Backends are agnhost netexec pods (HTTP 8080
// answering /hostname and /clientip, UDP 8081 answering "hostname"); clients are curl pods pinned
// to a node, the external-client namespace, and netexec's /dial for UDP from inside a pod.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type Cluster } from './cluster.js';
import { parseTable } from './table.js';
import { waitFor } from './wait.js';
import {
  apply, CHI_SQUARE_P001, chiSquare, EXT_CLIENT_IP, extCurl, extExec, iptablesChain, mentions, nftChain, nodeExecOk, nodeIPs, nodeRules,
  podCurl, PREFIX, readyPods, rollout, serviceJson, sha256Base32, tally, udpAsk, waitRules, type PodInfo, type ProxyMode,
} from './services.js';

const AGNHOST = 'registry.k8s.io/e2e-test-images/agnhost:2.47';
const NODES = ['node-1', 'node-2', 'node-3'];
const STICKY_SECONDS = 1;

const netexecContainer = `
      - name: netexec
        image: ${AGNHOST}
        args: ["netexec", "--http-port=8080", "--udp-port=8081"]
        ports:
        - {name: http, containerPort: 8080}
        - {name: udp, containerPort: 8081, protocol: UDP}`;

const clientPod = (name: string, node: string) => `
apiVersion: v1
kind: Pod
metadata: {name: ${name}, labels: {role: client}}
spec:
  nodeSelector: {kubernetes.io/hostname: ${node}}
  containers:
  - name: curl
    image: curlimages/curl:8.10.1
    command: ["sleep", "3600"]
---`;

const WORKLOADS = `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: echo}
spec:
  selector: {matchLabels: {app: echo}}
  template:
    metadata: {labels: {app: echo}}
    spec:
      containers:${netexecContainer}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: solo}
spec:
  replicas: 1
  selector: {matchLabels: {app: solo}}
  template:
    metadata: {labels: {app: solo}}
    spec:
      nodeSelector: {kubernetes.io/hostname: node-2}
      containers:${netexecContainer}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: hairpin}
spec:
  replicas: 1
  selector: {matchLabels: {app: hairpin}}
  template:
    metadata: {labels: {app: hairpin}}
    spec:
      containers:
      - {name: nginx, image: "nginx:1.25", ports: [{containerPort: 80}]}
---
${clientPod('client-1', 'node-1')}
${clientPod('client-2', 'node-2')}
`;

const services = (externalIP: string) => `
apiVersion: v1
kind: Service
metadata: {name: echo}
spec:
  selector: {app: echo}
  ports:
  - {name: http, port: 80, targetPort: http}
  - {name: http-alt, port: 8080, targetPort: 8080}
  - {name: udp, port: 90, targetPort: udp, protocol: UDP}
---
apiVersion: v1
kind: Service
metadata: {name: echo-np}
spec:
  type: NodePort
  selector: {app: solo}
  ports:
  - {name: http, port: 80, targetPort: 8080}
  - {name: udp, port: 81, targetPort: 8081, protocol: UDP}
---
apiVersion: v1
kind: Service
metadata: {name: echo-lb}
spec:
  type: LoadBalancer
  selector: {app: echo}
  ports:
  - {name: http, port: 80, targetPort: 8080}
---
apiVersion: v1
kind: Service
metadata: {name: local-lb}
spec:
  type: LoadBalancer
  externalTrafficPolicy: Local
  selector: {app: solo}
  ports:
  - {name: http, port: 80, targetPort: 8080}
---
apiVersion: v1
kind: Service
metadata: {name: itp}
spec:
  internalTrafficPolicy: Local
  selector: {app: solo}
  ports:
  - {port: 80, targetPort: 8080}
---
apiVersion: v1
kind: Service
metadata: {name: sticky}
spec:
  selector: {app: echo}
  sessionAffinity: ClientIP
  sessionAffinityConfig: {clientIP: {timeoutSeconds: ${STICKY_SECONDS}}}
  ports:
  - {port: 80, targetPort: 8080}
---
apiVersion: v1
kind: Service
metadata: {name: ext-ip}
spec:
  selector: {app: echo}
  externalIPs: ["${externalIP}"]
  ports:
  - {port: 8888, targetPort: 8080}
---
apiVersion: v1
kind: Service
metadata: {name: fw}
spec:
  type: LoadBalancer
  loadBalancerSourceRanges: ["10.255.255.0/24"]
  selector: {app: echo}
  ports:
  - {port: 80, targetPort: 8080}
---
apiVersion: v1
kind: Service
metadata: {name: empty}
spec:
  type: NodePort
  selector: {app: nothing-has-this-label}
  ports:
  - {port: 80, targetPort: 8080}
---
apiVersion: v1
kind: Service
metadata: {name: hairpin}
spec:
  selector: {app: hairpin}
  ports:
  - {port: 80}
---
apiVersion: v1
kind: Service
metadata: {name: headless}
spec:
  clusterIP: None
  selector: {app: echo}
  ports:
  - {port: 80, targetPort: 8080}
---
apiVersion: v1
kind: Service
metadata: {name: extname}
spec:
  type: ExternalName
  externalName: db.example.com
`;

const lines = (text: string) => text.split('\n').map((l) => l.trim()).filter(Boolean);

export function servicesBehaviourSuite(mode: ProxyMode): void {
  describe(`Services through kube-proxy in ${mode} mode, on a 3-node cluster`, () => {
    let c: Cluster;
    let ips: Record<string, string>;
    let echo: PodInfo[];
    let solo: PodInfo;
    const svc: Record<string, any> = {};
    const clusterIP = (name: string): string => svc[name].spec.clusterIP;
    const nodePort = (name: string, port = 0): number => svc[name].spec.ports[port].nodePort;
    const lbIP = (name: string): string => svc[name].status.loadBalancer.ingress[0].ip;
    const refresh = async (name: string) => (svc[name] = await serviceJson(c, name));

    before(async () => {
      c = await startCluster({ nodes: 3, prefix: PREFIX, extraArgs: mode === 'nftables' ? ['--proxy-mode', 'nftables'] : [] });
      ips = await nodeIPs(c);
      await apply(c, WORKLOADS);
      await apply(c, services(ips['node-3']));
      await rollout(c, 'daemonset/echo');
      echo = await readyPods(c, 'app=echo', 3);
      [solo] = await readyPods(c, 'app=solo', 1);
      await readyPods(c, 'role=client', 2);
      await readyPods(c, 'app=hairpin', 1);
      // Names resolve once cluster DNS has ready endpoints (its own tests are elsewhere).
      const dns = await waitFor('ready kube-dns endpoints', () => c.kubectlJson(['get', 'endpoints', 'kube-dns', '-n', 'kube-system']),
        (ep) => (ep.subsets ?? []).some((s: any) => s.addresses?.length), { timeoutMs: 120_000 });
      const dnsIPs: string[] = dns.subsets.flatMap((s: any) => (s.addresses ?? []).map((a: any) => a.ip));
      for (const name of ['echo', 'echo-np', 'echo-lb', 'local-lb', 'itp', 'sticky', 'ext-ip', 'fw', 'empty', 'hairpin']) await refresh(name);
      for (const name of ['echo-lb', 'local-lb', 'fw']) {
        svc[name] = await waitFor(`an EXTERNAL-IP for ${name}`, () => serviceJson(c, name), (s) => !!s.status?.loadBalancer?.ingress?.[0]?.ip);
      }
      // Every node programs the last Service with its endpoints before the tests start.
      await waitRules(c, NODES, mode, 'the rules of echo, sticky and solo', (rules) =>
        [...echo.map((p) => p.ip), solo.ip, ...dnsIPs].every((ip) => mentions(rules, ip)) && mentions(rules, clusterIP('empty')));
    });
    after(async () => {
      await c?.down();
    });

    test('kube-proxy runs in the configured mode on every node', async () => {
      const cm = await c.kubectlOk(['get', 'configmap', 'kube-proxy', '-n', 'kube-system', '-o', 'yaml']);
      assert.match(cm, new RegExp(`^\\s+mode: ${mode === 'iptables' ? '""' : '"nftables"'}$`, 'm'));
      for (const node of NODES) {
        const ipt = await nodeRules(c, node, 'iptables');
        const nft = await nodeRules(c, node, 'nftables');
        if (mode === 'iptables') {
          assert.match(ipt, /^-A KUBE-SERVICES /m);
          assert.equal(nft, '', `${node} has an nftables kube-proxy table in iptables mode`);
        } else {
          assert.doesNotMatch(ipt, /KUBE-SERVICES/, `${node} has iptables rules in nftables mode`);
          assert.match(nft, /^table ip kube-proxy \{/);
        }
      }
    });

    test('a ClusterIP reaches the pods by name and by address, on every port, TCP and UDP', async () => {
      const names = new Set(echo.map((p) => p.name));
      const byName = await podCurl(c, 'client-1', 'http://echo/hostname');
      assert.equal(byName.code, 0, byName.stderr);
      assert.ok(names.has(byName.body), byName.body);
      const alt = await podCurl(c, 'client-2', `http://${clusterIP('echo')}:8080/hostname`);
      assert.ok(names.has(alt.body), `port 8080: ${alt.body} ${alt.stderr}`);
      // UDP from inside a pod: netexec's /dial sends each datagram from a new socket.
      const dial = await podCurl(c, 'client-1', `http://${echo[0].ip}:8080/dial?host=${clusterIP('echo')}&port=90&protocol=udp&request=hostname&tries=12`);
      const answers = JSON.parse(dial.body) as { responses?: string[]; errors?: string[] };
      assert.equal(answers.errors, undefined, dial.body);
      assert.equal(answers.responses?.length, 12, dial.body);
      for (const r of answers.responses!) assert.ok(names.has(r), r);
    });

    test('3,000 connections to a 3-endpoint Service spread evenly (chi-square, p = 0.001)', async () => {
      // One curl, 3,000 URLs, each on a new connection: the server closes every one.
      const r = await c.kubectl(['exec', 'client-1', '--', 'curl', '-sS', '-H', 'Connection: close', '-w', '\\n',
        `http://${clusterIP('echo')}/hostname?i=[1-3000]`], { timeoutMs: 300_000 });
      assert.equal(r.code, 0, r.stderr);
      const counts = tally(lines(r.stdout));
      assert.deepEqual([...counts.keys()].sort(), echo.map((p) => p.name).sort(), `answers: ${JSON.stringify([...counts])}`);
      const x2 = chiSquare([...counts.values()]);
      assert.ok(x2 < CHI_SQUARE_P001[2], `chi-square ${x2.toFixed(2)} >= ${CHI_SQUARE_P001[2]} for ${JSON.stringify([...counts])}`);
    });

    test('a NodePort answers on every node IP from outside the cluster, also where no backend runs, TCP and UDP', async () => {
      for (const node of NODES) {
        const r = await extCurl(c, `http://${ips[node]}:${nodePort('echo-np')}/hostname`);
        assert.equal(r.code, 0, `${node}: ${r.stderr}`);
        assert.equal(r.body, solo.name, node);
        assert.deepEqual(await udpAsk(c, ips[node], nodePort('echo-np', 1), 'hostname', 3), [solo.name, solo.name, solo.name], node);
      }
    });

    test('a LoadBalancer Service gets an IP from the pool that answers from outside the cluster', async () => {
      const row = parseTable(await c.kubectlOk(['get', 'svc', 'echo-lb'])).rows[0];
      assert.equal(row['EXTERNAL-IP'], lbIP('echo-lb'));
      assert.match(row['EXTERNAL-IP'], /^172\.18\.255\.(2[0-4]\d|250)$/);
      assert.equal(row['PORT(S)'], `80:${nodePort('echo-lb')}/TCP`);
      const seen = new Set<string>();
      for (let i = 0; i < 12; i++) {
        const r = await extCurl(c, `http://${lbIP('echo-lb')}/hostname`);
        assert.equal(r.code, 0, r.stderr);
        seen.add(r.body);
      }
      for (const name of seen) assert.ok(echo.some((p) => p.name === name), name);
    });

    test('externalIPs: the Service answers on the external IP, from outside and from a pod', async () => {
      const url = `http://${ips['node-3']}:8888/hostname`;
      for (const r of [await extCurl(c, url), await podCurl(c, 'client-1', url)]) {
        assert.equal(r.code, 0, r.stderr);
        assert.ok(echo.some((p) => p.name === r.body), r.body);
      }
    });

    test('sessionAffinity ClientIP: one client stays on one pod until timeoutSeconds pass idle', async () => {
      const r = await c.kubectl(['exec', 'client-1', '--', 'curl', '-sS', '-H', 'Connection: close', '-w', '\\n', `http://${clusterIP('sticky')}/hostname?i=[1-30]`]);
      assert.equal(r.code, 0, r.stderr);
      const burst = tally(lines(r.stdout));
      assert.equal(burst.size, 1, `30 connections in a row went to ${JSON.stringify([...burst])}`);
      // After each idle spell longer than the timeout the choice is made afresh: over 8 spells a
      // fair choice stays on one pod with probability 3^-7.
      const script = `for i in 1 2 3 4 5 6 7 8; do sleep ${STICKY_SECONDS + 1.5}; curl -sS http://${clusterIP('sticky')}/hostname; echo; done`;
      const spells = await c.kubectl(['exec', 'client-1', '--', 'sh', '-c', script], { timeoutMs: 120_000 });
      assert.equal(spells.code, 0, spells.stderr);
      assert.ok(tally(lines(spells.stdout)).size > 1, `after each timeout: ${spells.stdout}`);
    });

    test('externalTrafficPolicy Local: the client IP is kept, only nodes with a local endpoint answer, the health check node port says so', async () => {
      const np = nodePort('local-lb');
      const onSolo = await extCurl(c, `http://${ips[solo.node]}:${np}/clientip`);
      assert.equal(onSolo.code, 0, onSolo.stderr);
      assert.equal(onSolo.body.split(':')[0], EXT_CLIENT_IP);
      const viaLB = await extCurl(c, `http://${lbIP('local-lb')}/clientip`);
      assert.equal(viaLB.body.split(':')[0], EXT_CLIENT_IP, viaLB.stderr);
      const hc = svc['local-lb'].spec.healthCheckNodePort;
      assert.ok(hc >= 30000 && hc <= 32767, `healthCheckNodePort ${hc}`);
      for (const node of NODES.filter((n) => n !== solo.node)) {
        const r = await extCurl(c, `http://${ips[node]}:${np}/clientip`, 2);
        assert.equal(r.code, 28, `${node} has no local endpoint but answered: ${r.body}${r.stderr}`);
        const health = await healthCheck(c, ips[node], hc);
        assert.deepEqual(health, { status: 503, body: { service: { namespace: 'default', name: 'local-lb' }, localEndpoints: 0, serviceProxyHealthy: true } });
      }
      assert.deepEqual(await healthCheck(c, ips[solo.node], hc),
        { status: 200, body: { service: { namespace: 'default', name: 'local-lb' }, localEndpoints: 1, serviceProxyHealthy: true } });
    });

    test('internalTrafficPolicy Local: only pods on a node with an endpoint reach the Service', async () => {
      const here = await podCurl(c, 'client-2', `http://${clusterIP('itp')}/hostname`);
      assert.equal(here.body, solo.name, here.stderr);
      const elsewhere = await podCurl(c, 'client-1', `http://${clusterIP('itp')}/hostname`, 2);
      assert.equal(elsewhere.code, 28, `client-1 on node-1 reached ${elsewhere.body}${elsewhere.stderr}`);
    });

    test('hairpin: a pod reaches itself through its own Service, by name and by ClusterIP', async () => {
      for (const url of ['http://hairpin', `http://${clusterIP('hairpin')}/`]) {
        const r = await c.kubectl(['exec', 'deploy/hairpin', '--', 'curl', '-sS', '-m', '5', url]);
        assert.equal(r.code, 0, `${url}: ${r.stderr}`);
        assert.match(r.stdout, /<title>Welcome to nginx!<\/title>/);
      }
    });

    test('loadBalancerSourceRanges: clients outside the ranges are dropped, clients inside answered', async () => {
      const url = `http://${lbIP('fw')}/hostname`;
      const outside = await extCurl(c, url, 2);
      assert.equal(outside.code, 28, `a client outside 10.255.255.0/24 got ${outside.body}${outside.stderr}`);
      await c.kubectlOk(['patch', 'service', 'fw', '--type=merge', '-p', JSON.stringify({ spec: { loadBalancerSourceRanges: [`${EXT_CLIENT_IP}/32`] } })]);
      const inside = await waitFor('the fw Service to admit the external client', () => extCurl(c, url, 2), (r) => r.code === 0, { timeoutMs: 60_000 });
      assert.ok(echo.some((p) => p.name === inside.body), inside.body);
    });

    test('a Service without endpoints refuses at once (connection refused, not a timeout)', async () => {
      const fromPod = await podCurl(c, 'client-1', `http://${clusterIP('empty')}/`, 10);
      assert.equal(fromPod.code, 7, `curl exit ${fromPod.code}: ${fromPod.stderr}`);
      assert.match(fromPod.stderr, /Couldn't connect to server|Connection refused/);
      for (const node of NODES) {
        const fromOutside = await extCurl(c, `http://${ips[node]}:${nodePort('empty')}/`, 10);
        assert.equal(fromOutside.code, 7, `${node}: curl exit ${fromOutside.code}: ${fromOutside.stderr}`);
      }
    });

    test('ExternalName and headless Services get no rules', async () => {
      for (const node of NODES) {
        const rules = await nodeRules(c, node, mode);
        assert.ok(rules.includes('default/echo'), `${node}'s rules lack default/echo`);
        assert.ok(!rules.includes('default/headless'), `${node} has rules for the headless Service`);
        assert.ok(!rules.includes('default/extname'), `${node} has rules for the ExternalName Service`);
      }
    });

    test('deleting a pod removes its IP from Endpoints, EndpointSlices and every node\'s rules; its replacement\'s IP appears', async () => {
      const victim = echo.find((p) => p.node === 'node-1')!;
      await c.kubectlOk(['delete', 'pod', victim.name]);
      const replacement = await waitFor('the DaemonSet\'s replacement on node-1', async () => (await readyPods(c, 'app=echo', 3)).find((p) => p.node === 'node-1'),
        (p) => !!p && p.name !== victim.name);
      const addresses = async () => (await c.kubectlJson(['get', 'endpoints', 'echo'])).subsets.flatMap((s: any) => (s.addresses ?? []).map((a: any) => a.ip));
      const sliced = async () => (await c.kubectlJson<{ items: any[] }>(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=echo'])).items
        .flatMap((s) => s.endpoints.map((e: any) => e.addresses[0]));
      for (const [what, list] of [['Endpoints', addresses], ['EndpointSlices', sliced]] as const) {
        await waitFor(`${what} with ${replacement!.ip} instead of ${victim.ip}`, list, (ips: string[]) => ips.includes(replacement!.ip) && !ips.includes(victim.ip));
      }
      await waitRules(c, NODES, mode, `${replacement!.ip} instead of ${victim.ip}`, (rules) => mentions(rules, replacement!.ip) && !mentions(rules, victim.ip));
      echo = await readyPods(c, 'app=echo', 3);
    });

    if (mode === 'iptables') {
      test('iptables -t nat -L KUBE-SERVICES / KUBE-SVC-... show upstream\'s chains, comments and probabilities', async () => {
        const svcChain = iptablesChain('SVC', 'default/echo:http');
        const services = await nodeExecOk(c, 'node-1', ['iptables', '-t', 'nat', '-L', 'KUBE-SERVICES', '-n']);
        const all = lines(services);
        assert.equal(all[0].replace(/\s+\(.*\)$/, ''), 'Chain KUBE-SERVICES');
        assert.match(all[1], /^target\s+prot\s+opt\s+source\s+destination$/);
        const entry = all.find((l) => l.startsWith(`${svcChain} `));
        assert.ok(entry, `no ${svcChain} in:\n${services}`);
        assert.match(entry, new RegExp(`^${svcChain}\\s+(tcp|6)\\s+--\\s+0\\.0\\.0\\.0/0\\s+${clusterIP('echo').replace(/\./g, '\\.')}\\s+/\\* default/echo:http cluster IP \\*/ tcp dpt:80$`));
        assert.match(all.at(-1)!, /^KUBE-NODEPORTS\s+.*\/\* kubernetes service nodeports; NOTE: this must be the last rule in this chain \*\/ ADDRTYPE match dst-type LOCAL$/);

        const chain = lines(await nodeExecOk(c, 'node-1', ['iptables', '-t', 'nat', '-L', svcChain, '-n']));
        const endpoints = echo.map((p) => `${p.ip}:8080`).sort();
        const sep = (ep: string) => `KUBE-SEP-${sha256Base32(`default/echo:httptcp${ep}`).slice(0, 16)}`;
        assert.match(chain[2], new RegExp(`^KUBE-MARK-MASQ\\s+(tcp|6)\\s+--\\s+!10\\.244\\.0\\.0/16\\s+${clusterIP('echo').replace(/\./g, '\\.')}\\s+/\\* default/echo:http cluster IP \\*/ tcp dpt:80$`));
        const probabilities = [' statistic mode random probability 0.33333333349', ' statistic mode random probability 0.50000000000', ''];
        assert.equal(chain.length, 6, chain.join('\n'));
        endpoints.forEach((ep, i) => {
          const expected = `^${sep(ep)}\\s+(all|0)\\s+--\\s+0\\.0\\.0\\.0/0\\s+0\\.0\\.0\\.0/0\\s+/\\* default/echo:http -> ${ep.replace(/\./g, '\\.')} \\*/${probabilities[i]}$`;
          assert.match(chain[3 + i], new RegExp(expected));
        });
        const sepRules = lines(await nodeExecOk(c, 'node-1', ['iptables', '-t', 'nat', '-S', sep(endpoints[0])]));
        assert.deepEqual(sepRules, [
          `-N ${sep(endpoints[0])}`,
          `-A ${sep(endpoints[0])} -s ${endpoints[0].split(':')[0]}/32 -m comment --comment "default/echo:http" -j KUBE-MARK-MASQ`,
          `-A ${sep(endpoints[0])} -p tcp -m comment --comment "default/echo:http" -m tcp -j DNAT --to-destination ${endpoints[0]}`,
        ]);
      });
    } else {
      test('nft list table ip kube-proxy shows upstream\'s layout: verdict maps, per-service and per-endpoint chains, numgen', async () => {
        const table = await nodeExecOk(c, 'node-1', ['nft', 'list', 'table', 'ip', 'kube-proxy']);
        const base = 'default/echo/tcp/http';
        const service = nftChain('service', base);
        assert.match(table, /^table ip kube-proxy \{\n\tcomment "rules for kube-proxy"$/m);
        assert.match(table, /^\tmap service-ips \{\n\t\ttype ipv4_addr \. inet_proto \. inet_service : verdict\n\t\tcomment "ClusterIP, ExternalIP and LoadBalancer IP traffic"$/m);
        assert.match(table, /^\tmap service-nodeports \{\n\t\ttype inet_proto \. inet_service : verdict\n\t\tcomment "NodePort traffic"$/m);
        assert.ok(table.includes(`${clusterIP('echo')} . tcp . 80 : goto ${service}`), `no service-ips element for echo:\n${table}`);
        assert.ok(table.includes(`tcp . ${nodePort('echo-np')} : goto ${nftChain('external', 'default/echo-np/tcp/http')}`), 'no service-nodeports element for echo-np');
        assert.match(table, /ip daddr \. meta l4proto \. th dport vmap @service-ips/);
        const chainBody = (name: string): string => {
          const start = table.indexOf(`\tchain ${name} {\n`);
          return start < 0 ? '' : table.slice(start, table.indexOf('\n\t}', start));
        };
        const body = chainBody(service);
        const endpoints = echo.map((p) => ({ ip: p.ip, chain: nftChain('endpoint', `${base}__${p.ip}/8080`) })).sort((a, b) => (`${a.ip}:8080` < `${b.ip}:8080` ? -1 : 1));
        assert.match(body, new RegExp(`ip daddr ${clusterIP('echo').replace(/\./g, '\\.')} tcp dport 80 ip saddr != 10\\.244\\.0\\.0/16 jump mark-for-masquerade`));
        assert.ok(body.includes(`numgen random mod 3 vmap { ${endpoints.map((e, i) => `${i} : goto ${e.chain}`).join(', ')} }`), `chain ${service}:\n${body}`);
        for (const e of endpoints) {
          assert.equal(chainBody(e.chain), `\tchain ${e.chain} {\n\t\tip saddr ${e.ip} jump mark-for-masquerade\n\t\tmeta l4proto tcp dnat to ${e.ip}:8080`);
        }
      });
    }
  });
}

/** GET / on a health check node port from the external-client namespace: status and JSON body. */
async function healthCheck(c: Cluster, ip: string, port: number): Promise<{ status: number; body: unknown }> {
  const r = await extExec(c, ['curl', '-sS', '-m', '5', '-w', '\n%{http_code}', `http://${ip}:${port}/`]);
  const out = r.stdout.trimEnd().split('\n');
  const status = Number(out.pop());
  return { status, body: JSON.parse(out.join('\n')) };
}
