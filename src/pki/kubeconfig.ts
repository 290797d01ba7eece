// kubeconfig files: render one for a cluster, and merge an entry into (or remove it from) a
// user's kubeconfig without disturbing the other entries, as kind and k3d do.
import { chown, chmod, mkdir, open, readFile, realpath, rename, rm, stat } from 'node:fs/promises';
import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import YAML from 'yaml';

/** One cluster, its user and the context joining them. */
export interface KubeconfigEntry {
  clusterName: string;
  /** API server URL, e.g. https://127.0.0.1:6443. */
  server: string;
  caPem: string;
  userName: string;
  /** Client certificate and key (PEM), embedded as client-certificate-data / client-key-data. */
  certPem: string;
  keyPem: string;
  contextName: string;
  namespace?: string;
}

export interface MergeOptions {
  /** Make the entry's context the current one (default true, as `kind create cluster`). */
  setCurrent?: boolean;
}

// client-go and kind take "<file>.lock" with O_EXCL and retry 5 times, 100 ms apart.
const LOCK_ATTEMPTS = 5;
const LOCK_RETRY_MS = 100;

/** kubectl's layout: list items not indented under their key, long base64 lines never folded. */
const YAML_STYLE = { indentSeq: false, lineWidth: 0 };

/** A kubeconfig holding just this entry, current; certificates embedded base64 as kind writes them. */
export function renderKubeconfig(entry: KubeconfigEntry): string {
  checkEntry(entry);
  const config = {
    apiVersion: 'v1',
    clusters: [clusterItem(entry)],
    contexts: [contextItem(entry)],
    'current-context': entry.contextName,
    kind: 'Config',
    preferences: {},
    users: [userItem(entry)],
  };
  return new YAML.Document(config).toString(YAML_STYLE);
}

/**
 * Adds or replaces the entry's cluster, user and context (by name) in the kubeconfig at path,
 * creating the file (0600) and its directory (0700) when missing; other entries, keys and
 * comments stay as they were.
 */
export async function mergeKubeconfig(path: string, entry: KubeconfigEntry, options: MergeOptions = {}): Promise<void> {
  checkEntry(entry);
  await editKubeconfig(path, (doc) => {
    upsert(doc, 'clusters', entry.clusterName, clusterItem(entry));
    upsert(doc, 'users', entry.userName, userItem(entry));
    upsert(doc, 'contexts', entry.contextName, contextItem(entry));
    if (options.setCurrent ?? true) doc.set('current-context', doc.createNode(entry.contextName)); // a fresh node: plain style
    return true;
  });
}

/**
 * Removes the cluster, user and context called name; unsets current-context when it was that
 * context (as `kind delete cluster`). Returns whether anything was removed.
 */
export async function removeFromKubeconfig(path: string, name: string): Promise<boolean> {
  if (!(await exists(path))) return false;
  return editKubeconfig(path, (doc) => {
    let removed = false;
    for (const section of ['clusters', 'users', 'contexts']) removed = removeNamed(doc, section, name) || removed;
    if (doc.get('current-context') === name) {
      doc.set('current-context', '');
      removed = true;
    }
    return removed;
  });
}

/**
 * The file kubectl would add a new entry to: --kubeconfig if given, else the first existing file
 * in $KUBECONFIG (the last one when none exists), else ~/.kube/config.
 */
export function kubeconfigPathForMerge(explicitPath?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (explicitPath) return explicitPath;
  const paths = [...new Set((env.KUBECONFIG ?? '').split(delimiter).filter((p) => p !== ''))];
  if (paths.length === 0) return join(env.HOME || homedir(), '.kube', 'config');
  if (paths.length === 1) return paths[0];
  return paths.find(isFile) ?? paths[paths.length - 1];
}

/**
 * The current context as kubectl sees it: the first `current-context` set in the $KUBECONFIG files
 * (in their order), or in ~/.kube/config without $KUBECONFIG; undefined when none is set. A file
 * that is missing or not valid YAML is passed over (kubectl would refuse to run at all).
 */
export async function currentContext(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const listed = [...new Set((env.KUBECONFIG ?? '').split(delimiter).filter((p) => p !== ''))];
  for (const path of listed.length ? listed : [join(env.HOME || homedir(), '.kube', 'config')]) {
    const text = await readFile(path, 'utf8').catch(() => '');
    const doc = YAML.parseDocument(text);
    const current = doc.errors.length === 0 && YAML.isMap(doc.contents) ? doc.get('current-context') : undefined;
    if (typeof current === 'string' && current !== '') return current;
  }
  return undefined;
}

// --- editing -------------------------------------------------------------------------------

type Edit = (doc: YAML.Document) => boolean;

/** Reads path under the kubeconfig lock, applies edit, and replaces the file atomically when it changed. */
async function editKubeconfig(path: string, edit: Edit): Promise<boolean> {
  const target = await resolveLink(path);
  await mkdir(dirname(target), { recursive: true, mode: 0o700 });
  const unlock = await lock(target);
  try {
    const previous = await stat(target).catch(() => undefined);
    const text = previous ? await readFile(target, 'utf8') : '';
    const doc = parseKubeconfig(target, text);
    if (!edit(doc)) return false;
    const temp = `${target}.knit-${process.pid}.tmp`;
    try {
      const file = await open(temp, 'wx', 0o600);
      try {
        await file.writeFile(doc.toString(YAML_STYLE));
        await file.sync();
      } finally {
        await file.close();
      }
      if (previous) {
        await chmod(temp, previous.mode & 0o777);
        if (process.getuid?.() === 0) await chown(temp, previous.uid, previous.gid); // root editing someone's file keeps it theirs
      }
      await rename(temp, target);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    return true;
  } finally {
    await unlock();
  }
}

function parseKubeconfig(path: string, text: string): YAML.Document {
  const doc = YAML.parseDocument(text);
  if (doc.errors.length > 0) throw new Error(`${path}: not valid YAML: ${doc.errors[0].message}`);
  if (doc.contents === null) return new YAML.Document({ apiVersion: 'v1', kind: 'Config', preferences: {} }); // new or empty file
  if (!YAML.isMap(doc.contents)) throw new Error(`${path}: not a kubeconfig (the top level is not a mapping)`);
  return doc;
}

/** The section's list, created when absent or null (kubectl writes `clusters: null`). */
function section(doc: YAML.Document, name: string): YAML.YAMLSeq {
  const node = doc.get(name, true);
  if (YAML.isSeq(node)) return node;
  if (node !== undefined && !(YAML.isScalar(node) && node.value === null)) throw new Error(`kubeconfig: ${name} is not a list`);
  const seq = doc.createNode([]) as YAML.YAMLSeq;
  doc.set(name, seq);
  return seq;
}

const itemName = (item: unknown): unknown => (YAML.isMap(item) ? item.get('name') : undefined);

function upsert(doc: YAML.Document, name: string, itemKey: string, value: object): void {
  const seq = section(doc, name);
  const node = doc.createNode(value);
  const index = seq.items.findIndex((item) => itemName(item) === itemKey);
  if (index >= 0) seq.items[index] = node;
  else seq.items.push(node);
}

function removeNamed(doc: YAML.Document, name: string, itemKey: string): boolean {
  const seq = doc.get(name, true);
  if (!YAML.isSeq(seq)) return false;
  const before = seq.items.length;
  seq.items = seq.items.filter((item) => itemName(item) !== itemKey);
  return seq.items.length !== before;
}

// kubectl's own field order: cluster/context/user first, then name.
const clusterItem = (e: KubeconfigEntry) => ({
  cluster: { 'certificate-authority-data': base64(e.caPem), server: e.server },
  name: e.clusterName,
});
const contextItem = (e: KubeconfigEntry) => ({
  context: { cluster: e.clusterName, ...(e.namespace ? { namespace: e.namespace } : {}), user: e.userName },
  name: e.contextName,
});
const userItem = (e: KubeconfigEntry) => ({
  name: e.userName,
  user: { 'client-certificate-data': base64(e.certPem), 'client-key-data': base64(e.keyPem) },
});

const base64 = (text: string): string => Buffer.from(text).toString('base64');

function checkEntry(e: KubeconfigEntry): void {
  for (const field of ['clusterName', 'server', 'caPem', 'userName', 'certPem', 'keyPem', 'contextName'] as const) {
    if (typeof e[field] !== 'string' || e[field] === '') throw new Error(`kubeconfig entry: ${field} is required`);
  }
  let url: URL;
  try {
    url = new URL(e.server);
  } catch {
    throw new Error(`kubeconfig entry: server "${e.server}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`kubeconfig entry: server "${e.server}" is not http(s)`);
}

// --- files ---------------------------------------------------------------------------------

/** Follows a symlinked kubeconfig, so the link stays a link and its target is what changes. */
async function resolveLink(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    return path;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

async function lock(path: string): Promise<() => Promise<void>> {
  const lockPath = `${path}.lock`;
  for (let attempt = 1; ; attempt++) {
    try {
      await (await open(lockPath, 'wx', 0o600)).close();
      return () => rm(lockPath, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt === LOCK_ATTEMPTS) {
        throw new Error(`failed to lock config file ${path} (remove ${lockPath} if no kubectl or knit is running): ${(err as Error).message}`);
      }
      await new Promise((resolve) => setTimeout(resolve, LOCK_RETRY_MS));
    }
  }
}
