// What a container runs: the image's entrypoint and cmd combined with the container's command and
// args as the kubelet and containerd combine them, then each image program mapped to what runs it
// on this machine.

import { createHash } from 'node:crypto';
import type { Container, ContainerPort } from '../kube/types.js';
import { busyboxDir } from './busybox.js';
import { HOST_PATH, findImage, findProgram, hostWhich, type ImageDef } from './catalog.js';
import { parseImageReference } from './reference.js';
import { builtinProgram } from './scripts.js';
import type { ImageContext, ImageNote, ResolvedImage } from './types.js';

/**
 * Kubernetes' rule (containerd's implementation): a command replaces the entrypoint and drops the
 * image's cmd; args alone replace the cmd. Empty lists count as not given.
 */
export function combineArgv(entrypoint: string[], cmd: string[], container: Pick<Container, 'command' | 'args'>): string[] {
  const command = container.command ?? [];
  const args = container.args ?? [];
  if (command.length > 0) return [...command, ...args];
  return [...entrypoint, ...(args.length > 0 ? args : cmd)];
}

function portList(ports: ContainerPort[] | undefined): string[] {
  return (ports ?? []).map((p) => `${p.containerPort}/${(p.protocol ?? 'TCP').toUpperCase()}`);
}

function standIn(container: Container, ctx: ImageContext): string[] {
  return [...builtinProgram('standin'), '--name', ctx.podName, ...portList(container.ports).flatMap((p) => ['--port', p])];
}

function imageID(repository: string, normalized: string, def: ImageDef | undefined): string {
  const digest = createHash('sha256').update(`knit:${def?.name ?? 'stand-in'}:${normalized}`).digest('hex');
  return `${repository}@sha256:${digest}`;
}

/**
 * Resolves what `container` runs from `image`. Throws InvalidImageNameError for a reference the
 * kubelet would refuse. The returned env is the image's; the container's env goes on top.
 */
export function resolveImage(image: string, container: Container, ctx: ImageContext): ResolvedImage {
  const ref = parseImageReference(image);
  const def = findImage(ref.repository);
  const env: Record<string, string> = { PATH: def?.busybox ? `${busyboxDir(ctx.toolsDir)}:${HOST_PATH}` : HOST_PATH, ...def?.env };
  const base = { env, image: ref.normalized, imageID: imageID(ref.repository, ref.normalized, def) };
  const notes: ImageNote[] = [];

  if (!def) {
    const hasCommand = (container.command ?? []).length > 0;
    const argv = combineArgv([], [], container);
    const which = ctx.which ?? hostWhich;
    const runnable = argv.length > 0 && (hasCommand || (!argv[0].startsWith('-') && which(argv[0], env.PATH)));
    if (!runnable) {
      const ports = portList(container.ports);
      const where = ports.length > 0 ? `on its declared ports (${ports.join(', ')})` : 'nowhere: the container declares no ports';
      notes.push({ reason: 'StandIn', message: `Image ${JSON.stringify(image)} is not known to knit: a stand-in server answers with the pod's name ${where}` });
      return { ...base, argv: standIn(container, ctx), notes, files: [] };
    }
    notes.push({ reason: 'HostCommand', message: `Image ${JSON.stringify(image)} is not known to knit: ${JSON.stringify(argv[0])} runs with this machine's tools` });
    return { ...base, argv, notes, files: [] };
  }

  let argv = combineArgv(def.entrypoint, def.cmd, container);
  // Entrypoint scripts hand over to another argv; a few hops at most.
  for (let hop = 0; hop < 4 && argv.length > 0; hop++) {
    const program = findProgram(def, argv[0], env.PATH);
    if (!program) break;
    const launch = program(argv.slice(1), ctx, env.PATH);
    if ('exec' in launch) {
      argv = launch.exec;
      continue;
    }
    return { ...base, argv: launch.argv, notes: [...notes, ...(launch.notes ?? [])], files: launch.files ?? [] };
  }
  if (argv.length === 0) throw new Error('no command specified');
  return { ...base, argv, notes, files: [] };
}

/**
 * What `kubectl exec` runs for command in a container of image: the image's own programs
 * (/agnhost, /http-echo, ...) mapped as at container start, anything else as given.
 */
export function execArgv(image: string, command: string[], ctx: ImageContext): string[] {
  if (command.length === 0) return command;
  let def: ImageDef | undefined;
  try {
    def = findImage(parseImageReference(image).repository);
  } catch {
    return command;
  }
  if (!def || !findProgram(def, command[0], HOST_PATH)) return command;
  return resolveImage(image, { name: 'exec', command }, ctx).argv;
}
