import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { Container } from '../kube/types.js';
import { combineArgv, execArgv, resolveImage } from './resolve.js';
import { builtinProgram, nodeProgram } from './scripts.js';
import { InvalidImageNameError } from './reference.js';
import type { ImageContext } from './types.js';

const ctx: ImageContext = { stateDir: '/data/ctr', toolsDir: '/data/tools', podName: 'web-1' };
const run = (image: string, c: Partial<Container> = {}, context: ImageContext = ctx) => resolveImage(image, { name: 'c', ...c }, context);

test('command replaces the entrypoint and drops cmd; args alone replace cmd', () => {
  assert.deepEqual(combineArgv(['/ep'], ['cmd'], {}), ['/ep', 'cmd']);
  assert.deepEqual(combineArgv(['/ep'], ['cmd'], { args: ['a'] }), ['/ep', 'a']);
  assert.deepEqual(combineArgv(['/ep'], ['cmd'], { command: ['x'] }), ['x']);
  assert.deepEqual(combineArgv(['/ep'], ['cmd'], { command: ['x'], args: ['a'] }), ['x', 'a']);
  assert.deepEqual(combineArgv(['/ep'], ['cmd'], { command: [], args: [] }), ['/ep', 'cmd']);
});

test('nginx runs the machine nginx with a config of its own, daemon off and port 80', { skip: !existsSync('/usr/sbin/nginx') }, () => {
  const r = run('nginx:1.25');
  assert.deepEqual(r.argv, ['/usr/sbin/nginx', '-c', '/data/ctr/nginx.conf']);
  assert.equal(r.image, 'docker.io/library/nginx:1.25');
  assert.match(r.imageID, /^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);
  const conf = r.files.find((f) => f.path === '/data/ctr/nginx.conf')?.content ?? '';
  assert.match(conf, /^daemon off;$/m);
  assert.match(conf, /listen 80;/);
  assert.match(conf, /pid \/data\/ctr\/nginx\.pid;/);
  assert.match(conf, /access_log \/dev\/stdout main;/);
  assert.match(conf, /error_log stderr/);
  assert.match(conf, /root \/usr\/share\/nginx\/html;/);
  // The image's own cmd passes -g "daemon off;"; a duplicate directive would be fatal.
  assert.deepEqual(run('docker.io/library/nginx', { args: ['nginx', '-g', 'daemon off; worker_priority 0;'] }).argv.slice(3), ['-g', 'worker_priority 0;']);
});

test('a command in the nginx image runs with the machine tools on PATH', () => {
  const r = run('nginx', { command: ['sh', '-c', 'curl -s localhost'] });
  assert.deepEqual(r.argv, ['sh', '-c', 'curl -s localhost']);
  assert.ok(r.env.PATH.split(':').includes('/usr/bin'));
});

test('http-echo runs the built-in program with its args and the image env', () => {
  const r = run('hashicorp/http-echo', { args: ['-text=Hello from the API'] });
  assert.deepEqual(r.argv, [...builtinProgram('http-echo'), '-text=Hello from the API']);
  assert.equal(r.env.ECHO_TEXT, 'hello-world');
  assert.deepEqual(r.notes, []);
});

test('busybox commands resolve to applets first on PATH', () => {
  const shell = run('busybox');
  assert.deepEqual(shell.argv, ['sh']);
  assert.equal(shell.env.PATH.split(':')[0], '/data/tools/busybox');
  // kubectl run test --image=busybox -- wget -qO- http://api  (trailing words are args)
  assert.deepEqual(run('busybox:1.36', { args: ['wget', '-qO-', 'http://api:80'] }).argv, ['wget', '-qO-', 'http://api:80']);
  assert.deepEqual(run('busybox', { command: ['sleep', '3600'] }).argv, ['sleep', '3600']);
});

test('agnhost defaults to pause and runs its subcommands', () => {
  assert.deepEqual(run('registry.k8s.io/e2e-test-images/agnhost:2.40').argv, [...builtinProgram('agnhost'), 'pause']);
  assert.deepEqual(run('registry.k8s.io/e2e-test-images/agnhost:2.53', { args: ['netexec', '--http-port=8080'] }).argv, [...builtinProgram('agnhost'), 'netexec', '--http-port=8080']);
  assert.deepEqual(run('registry.k8s.io/e2e-test-images/agnhost:2.40', { command: ['/agnhost', 'serve-hostname'] }).argv, [...builtinProgram('agnhost'), 'serve-hostname']);
});

test('curl image: options and URLs go to curl, commands run as given', () => {
  const which = (cmd: string) => ['sh', 'curl'].includes(cmd);
  const c = { ...ctx, which };
  assert.deepEqual(run('curlimages/curl', { args: ['-s', 'http://web'] }, c).argv, ['curl', '-s', 'http://web']);
  assert.deepEqual(run('curlimages/curl', { args: ['http://web'] }, c).argv, ['curl', 'http://web']);
  assert.deepEqual(run('curlimages/curl', { args: ['sh', '-c', 'sleep 1'] }, c).argv, ['sh', '-c', 'sleep 1']);
  assert.deepEqual(run('curlimages/curl', {}, c).argv, ['curl']);
});

test('pause, kube-proxy and coredns run knit programs', () => {
  assert.deepEqual(run('registry.k8s.io/pause:3.9').argv, builtinProgram('pause'));
  const proxy = run('registry.k8s.io/kube-proxy:v1.32.0', { command: ['/usr/local/bin/kube-proxy', '--config=/var/lib/kube-proxy/config.conf'] });
  assert.deepEqual(proxy.argv, [...nodeProgram('proxy/main'), '--config=/var/lib/kube-proxy/config.conf']);
  assert.match(proxy.argv.at(-2) ?? '', /src\/proxy\/main\.(ts|js)$/);
  const dns = run('registry.k8s.io/coredns/coredns:v1.11.3', { args: ['-conf', '/etc/coredns/Corefile'] });
  assert.deepEqual(dns.argv, [...nodeProgram('dns/main'), '-conf', '/etc/coredns/Corefile']);
});

test('an unknown image without a command gets the stand-in server and a note', () => {
  const r = run('myapp:v1', { ports: [{ containerPort: 8080 }, { containerPort: 53, protocol: 'UDP' }] });
  assert.deepEqual(r.argv, [...builtinProgram('standin'), '--name', 'web-1', '--port', '8080/TCP', '--port', '53/UDP']);
  assert.equal(r.notes.length, 1);
  assert.equal(r.notes[0].reason, 'StandIn');
  assert.match(r.notes[0].message, /myapp:v1.*8080\/TCP, 53\/UDP/);
  // args that are options belong to an entrypoint knit does not have
  assert.deepEqual(run('myapp:v1', { args: ['--verbose'] }).argv.slice(-2), ['--name', 'web-1']);
});

test('an unknown image with a command runs it with the machine tools', () => {
  const r = run('alpine/git', { command: ['sleep', '10'] });
  assert.deepEqual(r.argv, ['sleep', '10']);
  assert.equal(r.notes[0].reason, 'HostCommand');
});

test('invalid image names throw InvalidImageNameError', () => {
  assert.throws(() => run('NGINX'), InvalidImageNameError);
});

test('kubectl exec runs an image\'s own programs as its containers do, other commands as given', () => {
  const c: ImageContext = { stateDir: '/tmp/knit-exec-state', toolsDir: '/tmp/knit-exec-tools', podName: 'p' };
  assert.deepEqual(execArgv('registry.k8s.io/e2e-test-images/agnhost:2.47', ['/agnhost', 'connect', 'x:80'], c), [...builtinProgram('agnhost'), 'connect', 'x:80']);
  assert.deepEqual(execArgv('registry.k8s.io/e2e-test-images/agnhost:2.47', ['sh', '-c', 'true'], c), ['sh', '-c', 'true']);
  assert.deepEqual(execArgv('example.com/unknown:1', ['/app'], c), ['/app']);
  assert.deepEqual(execArgv('not a valid ref', ['ls'], c), ['ls']);
});
