// The knit command.

import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { flagHelp, intFlag, parseCommandLine, UsageError, type CommandSpec, type FlagSpec } from './args.js';
import { chooseClusterFromDisk, DEFAULT_CLUSTER } from './cluster-choice.js';
import { CLUSTER_NAME_RE, defaultConfig, loadConfig, paths, type ClusterConfig } from '../cluster/config.js';
import { NotFoundError, StartError } from '../cluster/errors.js';
import { dataDirFor, isAlive, readState, runningPid } from '../cluster/state.js';
import type { Output } from '../cluster/up.js';
// up, down and node exec load the whole control plane or the platform layer: only the command
// that needs them imports them, so `knit up -d` hands over to its background process sooner.

// Flags of the commands that address a running (or stopped) cluster.
const common: Record<string, FlagSpec> = {
  name: { value: true, description: `cluster name (default: the current kubeconfig context's cluster, else the only one running, else "knit")` },
  'data-dir': { value: true, description: 'where the cluster keeps its state (default ~/.knit/<name>)' },
  help: { alias: 'h', description: 'show help' },
};

const upFlags: Record<string, FlagSpec> = {
  ...common,
  name: { value: true, description: 'cluster name (default "knit")' },
  nodes: { value: true, description: 'number of nodes; 0 runs the control plane alone, without root (default 3)' },
  detach: { alias: 'd', description: 'run in the background and return once the cluster is up' },
  port: { value: true, description: 'API server port on 127.0.0.1 (default 6443)' },
  'proxy-mode': { value: true, description: 'kube-proxy mode: iptables (default) or nftables' },
  network: { value: true, description: 'pod network between nodes: vxlan (default) or routes' },
  'lb-pool': { value: true, emptyOk: true, description: 'LoadBalancer address pool, "first-last" or a CIDR; "" for none' },
  'node-network': { value: true, emptyOk: true, description: 'node network CIDR (default: 192.168.1.0/24 unless the host uses it)' },
  'route-host': { description: 'route the service, pod and LoadBalancer ranges from this host into the cluster' },
  'node-monitor-grace-period': { value: true, description: 'seconds without a heartbeat before a node is NotReady (default 40)' },
};

const USAGE = `knit: the Kubernetes Service network, for real, on one Linux machine.

Usage:
  knit up [flags]              start a cluster (3 nodes by default) and make its context current
  knit down [flags]            stop a cluster and remove everything it created (its objects are kept)
  knit status [flags]          say whether a cluster runs, where, and its nodes
  knit kubeconfig [flags]      print a cluster's kubeconfig
  knit node exec NODE -- CMD   run a command in a node's network namespace
  knit denied [-f]             connections NetworkPolicy denied, cluster-wide, naming the policies
  knit version                 print versions

Run "knit <command> --help" for a command's flags. Without --name, down, status, kubeconfig,
denied and node exec address the cluster of the current kubeconfig context (knit up makes it current), else
the only cluster running, else "knit"; they say on stderr which one they chose.
`;

const COMMANDS = {
  up: { command: 'knit up', usage: 'knit up [flags]', flags: upFlags },
  down: { command: 'knit down', usage: 'knit down [flags]', flags: common },
  status: { command: 'knit status', usage: 'knit status [flags]', flags: common },
  kubeconfig: { command: 'knit kubeconfig', usage: 'knit kubeconfig [flags]', flags: common },
  denied: {
    command: 'knit denied', usage: 'knit denied [flags]',
    flags: { ...common, follow: { alias: 'f', description: 'keep printing denied connections as they happen' } },
  },
  // `exec` and NODE are its two words; the command to run follows `--`.
  nodeExec: { command: 'knit node exec', usage: 'knit node exec NODE [flags] -- COMMAND [ARGS...]', flags: common, positionals: 2, rest: true },
} satisfies Record<string, CommandSpec>;

function output(): Output {
  const tty = process.stdout.isTTY;
  return {
    step(text) {
      const started = Date.now();
      if (tty) process.stdout.write(` • ${text} ...`);
      return (detail) => {
        const secs = ((Date.now() - started) / 1000).toFixed(1);
        const line = ` ✓ ${text}${detail ? `: ${detail}` : ''} (${secs}s)`;
        process.stdout.write(tty ? `\r\x1b[K${line}\n` : `${line}\n`);
      };
    },
    info(text) { process.stdout.write(`${text}\n`); },
    log(line) {
      if (process.env.KNIT_VERBOSE) process.stderr.write(`${new Date().toISOString()} ${line}\n`);
    },
  };
}

function checkName(name: string): string {
  if (!CLUSTER_NAME_RE.test(name)) throw new UsageError(`invalid cluster name ${JSON.stringify(name)}: use at most 20 lower case letters, digits or '-', starting and ending with a letter or digit`);
  return name;
}

const explicitDataDir = (flags: Record<string, string | boolean>) => (typeof flags['data-dir'] === 'string' ? flags['data-dir'] : undefined);

/**
 * The cluster a command other than up addresses: --name, else (without --data-dir, which goes
 * with the default name as before) the one chooseCluster picks, said on stderr.
 */
async function target(flags: Record<string, string | boolean>): Promise<{ name: string; dataDir: string }> {
  let name = typeof flags.name === 'string' ? flags.name : DEFAULT_CLUSTER;
  if (flags.name === undefined && explicitDataDir(flags) === undefined) {
    const choice = await chooseClusterFromDisk();
    name = choice.name;
    if (choice.reason) process.stderr.write(`knit: using cluster ${JSON.stringify(name)} (${choice.reason})\n`);
  }
  return { name: checkName(name), dataDir: dataDirFor(name, explicitDataDir(flags)) };
}

function configFrom(flags: Record<string, string | boolean>): ClusterConfig {
  const name = checkName(typeof flags.name === 'string' ? flags.name : DEFAULT_CLUSTER);
  const dataDir = dataDirFor(name, explicitDataDir(flags));
  const cfg: ClusterConfig = { ...defaultConfig(name), ...(loadConfig(dataDir) ?? {}), name, dataDir };
  const nodes = intFlag(flags.nodes, 'nodes', 0, 50);
  if (nodes !== undefined) cfg.nodes = nodes;
  const port = intFlag(flags.port, 'port', 1, 65535);
  if (port !== undefined) cfg.apiPort = port;
  if (flags['proxy-mode'] !== undefined) {
    const m = String(flags['proxy-mode']);
    if (m === 'ipvs') throw new UsageError('--proxy-mode ipvs is not available: this kernel has no IPVS (/proc/net/ip_vs is missing). Use iptables or nftables.');
    if (m !== 'iptables' && m !== 'nftables') throw new UsageError(`--proxy-mode must be iptables or nftables, not ${JSON.stringify(m)}`);
    cfg.proxyMode = m;
  }
  if (flags.network !== undefined) {
    const n = String(flags.network);
    if (n !== 'vxlan' && n !== 'routes') throw new UsageError(`--network must be vxlan or routes, not ${JSON.stringify(n)}`);
    cfg.network = n;
  }
  if (typeof flags['lb-pool'] === 'string') cfg.lbPool = flags['lb-pool'];
  if (typeof flags['node-network'] === 'string') cfg.nodeNetwork = flags['node-network'];
  if (flags['route-host'] !== undefined) cfg.routeHost = flags['route-host'] === true;
  const grace = intFlag(flags['node-monitor-grace-period'], 'node-monitor-grace-period', 1, 3600);
  if (grace !== undefined) cfg.nodeMonitorGracePeriodSeconds = grace;
  return cfg;
}

function summary(cfg: ClusterConfig, kubeconfig: string): string {
  return [
    `Cluster "${cfg.name}" is up.`,
    `  API server:  https://${cfg.apiHost}:${cfg.apiPort}`,
    `  Kubeconfig:  ${kubeconfig} (context "${cfg.name}", now current)`,
    `  Data dir:    ${cfg.dataDir}`,
    '',
    'Try: kubectl get nodes',
  ].join('\n');
}

async function cmdUp(argv: string[]): Promise<number> {
  const { flags } = parseCommandLine(argv, COMMANDS.up);
  if (flags.help) return help(COMMANDS.up);
  const cfg = configFrom(flags);
  if (cfg.nodes > 0 && process.getuid?.() !== 0) {
    throw new UsageError(`knit up with nodes builds network namespaces and needs root: run it with sudo, or use --nodes 0 for the control plane alone.`);
  }
  if (flags.detach && !process.env.KNIT_DETACHED_CHILD) return detach(cfg, argv.filter((a) => a !== '-d' && a !== '--detach'));
  const out = output();
  const { up } = await import('../cluster/up.js');
  const cluster = await up(cfg, out);
  out.info(summary(cfg, cluster.state.kubeconfig));
  if (!process.env.KNIT_DETACHED_CHILD) out.info('\nPress Ctrl-C to stop it, or run `knit down` from another terminal.');
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  out.info(`Stopping cluster "${cfg.name}" ...`);
  await cluster.stop();
  out.info(`Stopped cluster "${cfg.name}". Its objects stay in ${cfg.dataDir}.`);
  return 0;
}

/** Starts `knit up` again as a background process and waits until it reports ready (or fails). */
async function detach(cfg: ClusterConfig, argv: string[]): Promise<number> {
  const existing = runningPid(cfg.dataDir);
  if (existing) throw new StartError(`cluster "${cfg.name}" is already running (pid ${existing}).`);
  const p = paths(cfg.dataDir);
  mkdirSync(cfg.dataDir, { recursive: true, mode: 0o700 });
  const log = openSync(p.log, 'a');
  const bin = fileURLToPath(new URL('../../../bin/knit.js', import.meta.url));
  // The name and data dir first: argv may end in `--`, after which no flag is read.
  const child = spawn(process.execPath, [bin, 'up', '--name', cfg.name, '--data-dir', cfg.dataDir, ...argv], {
    detached: true, stdio: ['ignore', log, log], env: { ...process.env, KNIT_DETACHED_CHILD: '1' },
  });
  closeSync(log);
  child.unref();
  let exited = false;
  child.once('exit', () => { exited = true; });
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    const st = readState(cfg.dataDir);
    if (st?.ready && st.pid === child.pid) {
      process.stdout.write(`${summary(cfg, st.kubeconfig)}\n\nIt runs in the background (pid ${st.pid}, log ${p.log}); \`knit down --name ${cfg.name}\` stops it.\n`);
      return 0;
    }
    if (exited || !isAlive(child.pid)) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  const tail = existsSync(p.log) ? readFileSync(p.log, 'utf8').split('\n').slice(-15).join('\n') : '';
  process.stderr.write(`knit up failed; the last lines of ${p.log}:\n${tail}\n`);
  return 1;
}

async function cmdDown(argv: string[]): Promise<number> {
  const { flags } = parseCommandLine(argv, COMMANDS.down);
  if (flags.help) return help(COMMANDS.down);
  const { name, dataDir } = await target(flags);
  const { down } = await import('../cluster/down.js');
  const result = await down(name, dataDir, output());
  process.stdout.write(result.wasRunning || result.leftovers
    ? `Stopped cluster "${name}"${result.leftovers ? ` and removed what it left behind (${result.leftovers})` : ''}. Its objects stay in ${dataDir}; \`knit up --name ${name}\` brings it back.\n`
    : `Cluster "${name}" is not running; nothing to stop.\n`);
  return 0;
}

async function cmdStatus(argv: string[]): Promise<number> {
  const { flags } = parseCommandLine(argv, COMMANDS.status);
  if (flags.help) return help(COMMANDS.status);
  const { name, dataDir } = await target(flags);
  const pid = runningPid(dataDir);
  const st = readState(dataDir);
  if (!pid || !st) {
    process.stdout.write(`Cluster "${name}" is not running (data dir ${dataDir}${existsSync(dataDir) ? '' : ', not created yet'}).\n`);
    return 3;
  }
  const lines = [
    `Cluster "${name}" is running (pid ${pid}, since ${st.startedAt}).`,
    `  API server:  ${st.apiServer}`,
    `  Kubeconfig:  ${st.kubeconfig} (context "${st.context}")`,
    `  Data dir:    ${dataDir}`,
    `  Nodes:       ${st.nodes.length ? st.nodes.map((n) => `${n.name} (${n.ip}, netns ${n.netns})`).join(', ') : 'none (control plane only)'}`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
  return 0;
}

async function cmdKubeconfig(argv: string[]): Promise<number> {
  const { flags } = parseCommandLine(argv, COMMANDS.kubeconfig);
  if (flags.help) return help(COMMANDS.kubeconfig);
  const { name, dataDir } = await target(flags);
  const p = paths(dataDir);
  if (!existsSync(p.kubeconfig)) throw new UsageError(`cluster "${name}" has no kubeconfig yet: run \`knit up --name ${name}\` first`);
  process.stdout.write(readFileSync(p.kubeconfig, 'utf8'));
  return 0;
}

async function cmdNode(argv: string[]): Promise<number> {
  const spec = COMMANDS.nodeExec;
  const { positionals, flags, rest } = parseCommandLine(argv, spec);
  if (flags.help) {
    process.stdout.write(`Usage: ${spec.usage}\n\nRuns COMMAND in the network namespace of NODE, as \`docker exec\` into a kind node.\n\nFlags:\n${flagHelp(spec.flags)}\n`);
    return 0;
  }
  if (positionals[0] !== 'exec') throw new UsageError(`node has one subcommand, exec${positionals[0] === undefined ? '' : `, not ${JSON.stringify(positionals[0])}`}\nUsage: ${spec.usage}`);
  if (!positionals[1] || rest.length === 0) throw new UsageError(`node exec needs a node and, after --, a command\nUsage: ${spec.usage}`);
  const { dataDir } = await target(flags);
  const { nodeExec } = await import('../cluster/exec.js');
  return nodeExec(dataDir, positionals[1], rest);
}

async function cmdDenied(argv: string[]): Promise<number> {
  const { flags } = parseCommandLine(argv, COMMANDS.denied);
  if (flags.help) return help(COMMANDS.denied);
  const { name, dataDir } = await target(flags);
  if (!runningPid(dataDir)) throw new UsageError(`cluster "${name}" is not running: run \`knit up --name ${name}\` first`);
  const { denied } = await import('./denied.js');
  return denied(paths(dataDir).kubeconfig, { follow: flags.follow === true, out: (line) => process.stdout.write(`${line}\n`) });
}

function help(spec: CommandSpec): number {
  process.stdout.write(`Usage: ${spec.usage}\n\nFlags:\n${flagHelp(spec.flags)}\n`);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'up': return cmdUp(rest);
    case 'down': return cmdDown(rest);
    case 'status': return cmdStatus(rest);
    case 'kubeconfig': return cmdKubeconfig(rest);
    case 'node': return cmdNode(rest);
    case 'denied': return cmdDenied(rest);
    case 'version': case '--version':
      process.stdout.write(`knit 0.1.0 (Kubernetes API v1.32.0, Node.js ${process.version})\n`);
      return 0;
    case undefined: case 'help': case '--help': case '-h':
      process.stdout.write(USAGE);
      return 0;
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code), (err) => {
  if (err instanceof UsageError || err instanceof StartError || err instanceof NotFoundError) {
    process.stderr.write(`knit: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`knit: ${err?.stack ?? err}\n`);
  process.exit(1);
});
