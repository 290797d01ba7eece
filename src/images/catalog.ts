// The well-known images: each image's entrypoint, cmd and environment as its Dockerfile sets them,
// and what its programs run as on this machine.

import { join } from 'node:path';
import { lookPathError } from './lookpath.js';
import { builtinProgram, nodeProgram } from './scripts.js';
import { nginxLaunch } from './nginx.js';
import type { GeneratedFile, ImageContext, ImageNote } from './types.js';

/** The machine's tools: every container's PATH reaches them (the nginx image has curl). */
export const HOST_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** How one program of an image starts: a process to run, or (for entrypoint scripts) another argv to exec. */
export type Launch = { argv: string[]; files?: GeneratedFile[]; notes?: ImageNote[] } | { exec: string[] };
export type Program = (args: string[], ctx: ImageContext, path: string) => Launch;

export interface ImageDef {
  /** Short name for notes and tests. */
  name: string;
  /** Normalized repositories (domain/path) that are this image, whatever the tag. */
  repositories: string[];
  entrypoint: string[];
  cmd: string[];
  env?: Record<string, string>;
  /** The image's own programs, by the path it has them at; a bare name matches as PATH would find it. */
  programs?: Record<string, Program>;
  /** The image's userland is busybox: its applets come first on PATH. */
  busybox?: boolean;
}

export function hostWhich(command: string, path: string): boolean {
  return lookPathError(command, path) === undefined;
}

const builtin = (name: string): Program => (args) => ({ argv: [...builtinProgram(name), ...args] });
const component = (module: string): Program => (args) => ({ argv: [...nodeProgram(module), ...args] });
const nginx: Program = (args, ctx) => nginxLaunch(args, ctx.stateDir, builtinProgram('nginx-welcome'));
// docker-entrypoint.sh of the nginx image runs its /docker-entrypoint.d scripts, then exec "$@".
const execArgs: Program = (args) => ({ exec: args });
// curlimages/curl's entrypoint.sh: a first argument that is an option or not a command means curl.
const curlEntrypoint: Program = (args, ctx, path) => {
  const which = ctx.which ?? hostWhich;
  const first = args[0] ?? '';
  return { exec: first.startsWith('-') || !which(first, path) ? ['curl', ...args] : args };
};

const registries = (path: string, domains: string[]) => domains.map((d) => `${d}/${path}`);
const k8sRegistries = ['registry.k8s.io', 'k8s.gcr.io', 'gcr.io/google-containers', 'gcr.io/google_containers'];

export const IMAGES: ImageDef[] = [
  {
    name: 'nginx',
    repositories: ['docker.io/library/nginx'],
    entrypoint: ['/docker-entrypoint.sh'],
    cmd: ['nginx', '-g', 'daemon off;'],
    env: { NGINX_VERSION: '1.25.5' },
    programs: { '/docker-entrypoint.sh': execArgs, '/usr/sbin/nginx': nginx, 'nginx': nginx, 'nginx-debug': nginx },
  },
  {
    name: 'http-echo',
    repositories: ['docker.io/hashicorp/http-echo'],
    entrypoint: ['/http-echo'],
    cmd: [],
    env: { ECHO_TEXT: 'hello-world' },
    programs: { '/http-echo': builtin('http-echo') },
  },
  {
    name: 'agnhost',
    repositories: [
      ...registries('e2e-test-images/agnhost', ['registry.k8s.io', 'k8s.gcr.io']),
      'gcr.io/kubernetes-e2e-test-images/agnhost',
    ],
    entrypoint: ['/agnhost'],
    cmd: ['pause'],
    programs: { '/agnhost': builtin('agnhost'), '/agnhost-2': builtin('agnhost') },
  },
  {
    name: 'busybox',
    repositories: [
      'docker.io/library/busybox',
      ...registries('e2e-test-images/busybox', ['registry.k8s.io', 'k8s.gcr.io']),
      ...registries('busybox', k8sRegistries),
    ],
    entrypoint: [],
    cmd: ['sh'],
    busybox: true,
  },
  {
    name: 'alpine',
    repositories: ['docker.io/library/alpine'],
    entrypoint: [],
    cmd: ['/bin/sh'],
    busybox: true,
  },
  {
    name: 'debian',
    repositories: ['docker.io/library/debian', 'docker.io/library/ubuntu'],
    entrypoint: [],
    cmd: ['bash'],
  },
  {
    name: 'curl',
    repositories: ['docker.io/curlimages/curl', 'quay.io/curl/curl'],
    entrypoint: ['/entrypoint.sh'],
    cmd: ['curl'],
    programs: { '/entrypoint.sh': curlEntrypoint },
    // Built on Alpine: sh, nc, wget and the rest are busybox applets there too.
    busybox: true,
  },
  {
    name: 'pause',
    repositories: registries('pause', k8sRegistries),
    entrypoint: ['/pause'],
    cmd: [],
    programs: { '/pause': builtin('pause') },
  },
  {
    name: 'kube-proxy',
    repositories: registries('kube-proxy', k8sRegistries),
    entrypoint: ['/usr/local/bin/kube-proxy'],
    cmd: [],
    programs: { '/usr/local/bin/kube-proxy': component('proxy/main') },
  },
  {
    // sig-network's NetworkPolicy enforcer, as kind runs it: here knit's policy component.
    name: 'kube-network-policies',
    repositories: registries('networking/kube-network-policies', ['registry.k8s.io']),
    entrypoint: ['/bin/kube-network-policies'],
    cmd: [],
    programs: { '/bin/kube-network-policies': component('netpol/main') },
  },
  {
    name: 'coredns',
    repositories: [...registries('coredns/coredns', ['registry.k8s.io', 'k8s.gcr.io']), 'k8s.gcr.io/coredns', 'docker.io/coredns/coredns'],
    entrypoint: ['/coredns'],
    cmd: [],
    programs: { '/coredns': component('dns/main') },
  },
];

const byRepository = new Map(IMAGES.flatMap((def) => def.repositories.map((r) => [r, def] as const)));

export function findImage(repository: string): ImageDef | undefined {
  return byRepository.get(repository);
}

/** The image's program argv[0] names: exactly its path, or a bare name found in one of PATH's directories. */
export function findProgram(def: ImageDef, command: string, path: string): Program | undefined {
  const programs = def.programs ?? {};
  if (programs[command]) return programs[command];
  if (command.includes('/')) return undefined;
  for (const dir of path.split(':')) {
    const program = programs[join(dir, command)];
    if (program) return program;
  }
  return undefined;
}
