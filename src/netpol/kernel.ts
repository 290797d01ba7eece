// What the policy component asks of the kernel: nft transactions on its own table, in the current
// network namespace (its node's) or a named one (tests, benchmarks), through src/platform.

import { nft, run } from '../platform/index.js';
import { FAMILY, TABLE } from './nft.js';

export interface PolicyKernel {
  /** `nft -f -`: one atomic transaction. */
  apply(script: string): Promise<void>;
  /** Whether the table exists (`nft flush ruleset` by someone else removes it). */
  tableExists(): Promise<boolean>;
  /** The table as nft lists it (`nft list table inet knit-netpol`), for tests and tracing. */
  list(): Promise<string>;
}

export function createPolicyKernel(netns?: string): PolicyKernel {
  return {
    async apply(script) {
      await nft(script, netns);
    },
    async tableExists() {
      return (await run('nft', ['list', 'table', FAMILY, TABLE], { netns, okCodes: [0, 1] })).code === 0;
    },
    async list() {
      return (await run('nft', ['list', 'table', FAMILY, TABLE], { netns })).stdout;
    },
  };
}
