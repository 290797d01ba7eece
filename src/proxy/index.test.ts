import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resolveMode } from './index.js';
import { ipvsAvailable } from './kernel.js';

describe('proxy mode', () => {
  it('takes "" as iptables, as upstream does', async () => {
    assert.equal(await resolveMode(''), 'iptables');
    assert.equal(await resolveMode('iptables'), 'iptables');
    assert.equal(await resolveMode('nftables'), 'nftables');
  });

  it('refuses an unknown mode in upstream\'s words', async () => {
    await assert.rejects(resolveMode('userspace'), {
      message: 'KubeProxyConfiguration.ProxyMode: Invalid value: "userspace": must be iptables, ipvs, nftables or blank (blank means the best-available proxy [currently iptables])',
    });
  });

  it('refuses ipvs, saying why', async () => {
    const why = (await ipvsAvailable()) ? /implements the "iptables" and "nftables" modes only/ : /kernel has no IPVS support/;
    await assert.rejects(resolveMode('ipvs'), (err: Error) => err.message.startsWith("can't use the IPVS proxier: ") && why.test(err.message));
  });
});
