// The knit command's parser: what it takes, and what it refuses instead of guessing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flagHelp, intFlag, parseCommandLine, UsageError, type CommandSpec } from './args.js';

const up: CommandSpec = {
  command: 'knit up',
  usage: 'knit up [flags]',
  flags: {
    name: { value: true, description: 'cluster name' },
    nodes: { value: true, description: 'number of nodes' },
    'lb-pool': { value: true, emptyOk: true, description: 'pool; "" for none' },
    detach: { alias: 'd', description: 'run in the background' },
    'route-host': { description: 'route the ranges from the host' },
    help: { alias: 'h', description: 'show help' },
  },
};
const nodeExec: CommandSpec = { command: 'knit node exec', usage: 'knit node exec NODE [flags] -- COMMAND [ARGS...]', flags: up.flags, positionals: 2, rest: true };

/** The UsageError's first line (the second is the usage). */
function refused(argv: string[], spec: CommandSpec = up): string {
  try {
    parseCommandLine(argv, spec);
  } catch (err) {
    assert.ok(err instanceof UsageError, String(err));
    const [problem, usage] = err.message.split('\n');
    assert.equal(usage, `Usage: ${spec.usage} (\`${spec.command} --help\` lists the flags)`);
    return problem;
  }
  assert.fail(`${JSON.stringify(argv)} was accepted`);
}

test('values come as --flag value, --flag=value; switches alone, by letter, or =true/=false', () => {
  assert.deepEqual(parseCommandLine(['--name', 'dev', '--nodes=2', '-d', '--route-host=false'], up), {
    positionals: [], flags: { name: 'dev', nodes: '2', detach: true, 'route-host': false }, rest: [],
  });
  assert.deepEqual(parseCommandLine(['-dh', '--route-host=true'], up).flags, { detach: true, help: true, 'route-host': true });
  assert.deepEqual(parseCommandLine([], up), { positionals: [], flags: {}, rest: [] });
});

test('the last of a repeated flag wins (knit up -d passes its name again to the background process)', () => {
  assert.equal(parseCommandLine(['--name', 'a', '--name', 'b'], up).flags.name, 'b');
  assert.equal(parseCommandLine(['--route-host', '--route-host=false'], up).flags['route-host'], false);
});

test('a value starting with "-" is taken when written --flag=value; "" only where it means something', () => {
  assert.equal(parseCommandLine(['--name=-x'], up).flags.name, '-x');
  assert.equal(parseCommandLine(['--lb-pool', ''], up).flags['lb-pool'], '');
  assert.equal(parseCommandLine(['--lb-pool='], up).flags['lb-pool'], '');
});

test('node exec: its words before --, the command after it untouched', () => {
  assert.deepEqual(parseCommandLine(['exec', 'node-1', '--name', 'dev', '--', 'ip', '-4', 'route', '--', 'x'], nodeExec), {
    positionals: ['exec', 'node-1'], flags: { name: 'dev' }, rest: ['ip', '-4', 'route', '--', 'x'],
  });
  assert.deepEqual(parseCommandLine(['exec', '--name=dev', 'node-1', '--', 'true'], nodeExec).positionals, ['exec', 'node-1']);
});

test('a flag whose value is the next flag is refused, not taken as the value', () => {
  assert.equal(refused(['--name', '--nodes', '3']),
    'flag --name needs a value, but the next word "--nodes" is a flag (write --name=--nodes if it really is the value)');
  assert.equal(refused(['--name', '-d']), 'flag --name needs a value, but the next word "-d" is a flag (write --name=-d if it really is the value)');
  assert.equal(refused(['exec', 'node-1', '--name', '--', 'true'], nodeExec),
    'flag --name needs a value, but the next word "--" is a flag (write --name=-- if it really is the value)');
});

test('unknown flags, missing and empty values, bad switch values are refused by name', () => {
  assert.equal(refused(['--bogus']), 'unknown flag --bogus');
  assert.equal(refused(['--bogus=1']), 'unknown flag --bogus');
  assert.equal(refused(['-x']), 'unknown flag -x');
  assert.equal(refused(['--constructor']), 'unknown flag --constructor');
  assert.equal(refused(['--nodes']), 'flag --nodes needs a value');
  assert.equal(refused(['--name=']), 'flag --name needs a value, not an empty one');
  assert.equal(refused(['--name', '']), 'flag --name needs a value, not an empty one');
  assert.equal(refused(['--detach=yes']), 'flag --detach is a switch: give it alone, or =true or =false, not =yes');
});

test('stray words are refused: a command without words, one word too many, anything after -- where nothing runs', () => {
  assert.equal(refused(['--name', 'dev', 'extra']), 'unexpected argument "extra": knit up takes only flags');
  assert.equal(refused(['--', 'ls']), 'knit up runs no command of its own: unexpected "ls" after --');
  assert.equal(refused(['exec', 'node-1', 'ip', 'route'], nodeExec), 'unexpected argument "ip" (the command to run goes after --)');
});

test('whole numbers are digits in range, nothing else', () => {
  assert.equal(intFlag(undefined, 'nodes', 0, 50), undefined);
  assert.equal(intFlag('0', 'nodes', 0, 50), 0);
  assert.equal(intFlag('50', 'nodes', 0, 50), 50);
  for (const bad of ['51', '-1', '1.5', '1e1', '0x10', ' 3', 'three', '']) {
    assert.throws(() => intFlag(bad, 'nodes', 0, 50), (e: unknown) => e instanceof UsageError
      && e.message === `--nodes must be a whole number from 0 to 50, not ${JSON.stringify(bad)}`);
  }
});

test('help lists every flag with its letter, and long flags keep a gap before their description', () => {
  const text = flagHelp({ ...up.flags, 'node-monitor-grace-period': { value: true, description: 'seconds' } });
  assert.match(text, /^ {2}-d, --detach {2,}run in the background$/m);
  assert.match(text, /^ {6}--node-monitor-grace-period <value> {2}seconds$/m);
  assert.equal(text.split('\n').length, 7);
});
