// Everything a container run needs before the shim starts it: the kubelet's env, the image's
// program, the generated files, and where its log and state go.

import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Container, Pod, Service } from '../../kube/types.js';
import { resolveImage, type ImageNote } from '../../images/index.js';
import { containerEnv, expandCommand, type EnvSourceResolver, type PodAddresses } from './env.js';
import type { StartSpec } from './shim/protocol.js';

export interface PrepareInput {
  pod: Pod;
  container: Container;
  attempt: number;
  podDir: string;
  toolsDir: string;
  hostname: string;
  addresses: PodAddresses;
  services: Service[];
  resolver: EnvSourceResolver;
}

export interface PreparedContainer {
  spec: StartSpec;
  image: string;
  imageID: string;
  notes: ImageNote[];
}

export function logPath(podDir: string, container: string, attempt: number): string {
  return join(podDir, container, `${attempt}.log`);
}

export function stateDir(podDir: string, container: string, attempt: number): string {
  return join(podDir, container, String(attempt));
}

/** A hash of what defines the container: a change restarts it ("definition changed"). */
export function containerHash(container: Container): string {
  const { resources: _resources, ...rest } = container;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 16);
}

/**
 * Builds the run. Throws ContainerConfigError (a missing ConfigMap key, ...) or
 * InvalidImageNameError, as the kubelet fails before creating the container.
 */
export async function prepareContainer(input: PrepareInput): Promise<PreparedContainer> {
  const { pod, container, attempt, podDir } = input;
  const kubeletEnv = await containerEnv(pod, container, input.addresses, input.services, input.resolver);
  const expanded = { ...container, ...expandCommand(container, kubeletEnv) };
  const state = stateDir(podDir, container.name, attempt);
  const image = resolveImage(container.image ?? '', expanded, { stateDir: state, toolsDir: input.toolsDir, podName: pod.metadata.name ?? '' });

  // containerd: the image's env, HOSTNAME, then the kubelet's env on top; runc adds HOME.
  const env: Record<string, string> = { ...image.env, HOSTNAME: input.hostname };
  if (container.tty) env.TERM = 'xterm';
  for (const { name, value } of kubeletEnv) env[name] = value ?? '';
  env.HOME ??= '/root';

  mkdirSync(state, { recursive: true });
  for (const file of image.files) {
    mkdirSync(dirname(file.path), { recursive: true });
    writeFileSync(file.path, file.content);
  }
  const spec: StartSpec = {
    id: randomBytes(32).toString('hex'),
    name: container.name,
    attempt,
    argv: image.argv,
    env,
    cwd: container.workingDir || '/',
    stdin: !!container.stdin,
    stdinOnce: !!container.stdinOnce,
    tty: !!container.tty,
    logPath: logPath(podDir, container.name, attempt),
    stateDir: state,
  };
  return { spec, image: image.image, imageID: image.imageID, notes: image.notes };
}
