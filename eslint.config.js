// Lint: typescript-eslint's recommended rules plus knit's layering rules.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Who reaches the kernel, through platform/: the node agent, kube-proxy, knit up/down, and the
// network policy component. Never these:
const platformUsers = ['src/node/', 'src/proxy/', 'src/netpol/', 'src/cluster/'];
const neverKernel = ['src/api/', 'src/controllers/', 'src/client/', 'src/storage/', 'src/dns/'];

const kernelAccess = {
  patterns: [{
    group: ['**/platform/*', '**/platform/**'],
    message: `Only ${platformUsers.join(', ')} go through platform/: the API server, controllers, client, storage and DNS never touch the kernel.`,
  }],
};

// Starting programs: platform/ runs the kernel's tools and enters namespaces; everything else
// asks it. These may still start programs themselves:
const mayStartPrograms = [
  'src/platform/**',
  // The built-in images run the machine's programs, as a container's image would.
  'src/images/**',
  // The per-pod shim is the containers' parent: it starts them and sets its own hostname.
  'src/node/runtime/shim/**',
  // Terminals through util-linux `script` and `stty`: a pty, not a namespace.
  'src/node/runtime/tty.ts',
  // apt-get installs the packages knit needs; that is not kernel access.
  'src/cluster/needs.ts',
  'src/cli/**',
  '**/*.test.ts', '**/testing.ts', '**/testing/**', 'test/**',
  'bench/**',
  'scripts/**',
];

const noChildProcess = {
  paths: ['node:child_process', 'child_process'].map((name) => ({
    name,
    message: 'Programs are started through platform/ (spawnInNetns, spawnInNamespacesOf, run, ...): it is the one place that runs kernel tools and enters namespaces. See mayStartPrograms in eslint.config.js for the exceptions.',
  })),
};

// The node agent is a remote kubelet: it does not know what assembles it.
const nodeStandsAlone = {
  patterns: [{
    group: ['**/cluster/*', '**/cluster/**'],
    message: 'src/node/ does not import src/cluster/ (a remote kubelet does not know its assembler): put what both need under src/node/ and have cluster/ import it.',
  }],
};

/** Several restrictions as one set of no-restricted-imports options. */
const restrict = (...sets) => ['error', { paths: sets.flatMap((s) => s.paths ?? []), patterns: sets.flatMap((s) => s.patterns ?? []) }];

const sources = ['**/*.ts', '**/*.js', '**/*.mjs'];
const inFolders = (folders) => folders.map((f) => `${f}**/*.ts`);

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
      'no-control-regex': 'off',
    },
  },
  // A rule takes one set of options per file (the last matching block wins), so files under
  // two restrictions get both in one block.
  {
    files: sources,
    ignores: mayStartPrograms,
    rules: { 'no-restricted-imports': restrict(noChildProcess) },
  },
  {
    files: inFolders(neverKernel),
    rules: { 'no-restricted-imports': restrict(kernelAccess) },
  },
  {
    files: inFolders(neverKernel),
    ignores: mayStartPrograms,
    rules: { 'no-restricted-imports': restrict(noChildProcess, kernelAccess) },
  },
  {
    files: inFolders(['src/node/']),
    rules: { 'no-restricted-imports': restrict(nodeStandsAlone) },
  },
  {
    files: inFolders(['src/node/']),
    ignores: mayStartPrograms,
    rules: { 'no-restricted-imports': restrict(noChildProcess, nodeStandsAlone) },
  },
);
