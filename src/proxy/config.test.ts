import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseGoDuration, parseKubeProxyConfiguration } from './config.js';

describe('the kube-proxy ConfigMap\'s config.conf', () => {
  it('parses Go durations as time.ParseDuration does', () => {
    assert.equal(parseGoDuration('0s'), 0);
    assert.equal(parseGoDuration('0'), 0);
    assert.equal(parseGoDuration('100ms'), 100);
    assert.equal(parseGoDuration('1m30s'), 90_000);
    assert.equal(parseGoDuration('1.5s'), 1500);
    assert.equal(parseGoDuration('250us'), 0.25);
    assert.throws(() => parseGoDuration('10'), /^Error: time: invalid duration "10"$/);
    assert.throws(() => parseGoDuration('1 s'), /time: invalid duration "1 s"/);
  });

  it('defaults as upstream: mode "", 0s meaning 1s and 30s', () => {
    assert.deepEqual(parseKubeProxyConfiguration(undefined), { mode: '', clusterCIDR: undefined, minSyncPeriodMs: 1000, syncPeriodMs: 30_000 });
    const kubeadm = 'clusterCIDR: 10.244.0.0/16\niptables:\n  minSyncPeriod: 0s\n  syncPeriod: 0s\nmode: ""\n';
    assert.deepEqual(parseKubeProxyConfiguration(kubeadm), { mode: '', clusterCIDR: '10.244.0.0/16', minSyncPeriodMs: 1000, syncPeriodMs: 30_000 });
  });

  it('takes the sync periods from the chosen mode\'s section', () => {
    const text = 'mode: nftables\niptables:\n  minSyncPeriod: 5s\nnftables:\n  minSyncPeriod: 20ms\n  syncPeriod: 1m\n';
    assert.deepEqual(parseKubeProxyConfiguration(text), { mode: 'nftables', clusterCIDR: undefined, minSyncPeriodMs: 20, syncPeriodMs: 60_000 });
    assert.equal(parseKubeProxyConfiguration(text.replace('mode: nftables', 'mode: ""')).minSyncPeriodMs, 5000);
  });

  it('names the field of a bad duration', () => {
    assert.throws(() => parseKubeProxyConfiguration('iptables:\n  minSyncPeriod: soon\n'), /^Error: KubeProxyConfiguration\.IPTables\.minSyncPeriod: time: invalid duration "soon"$/);
    assert.throws(() => parseKubeProxyConfiguration('mode: nftables\nnftables:\n  syncPeriod: -1s\n'), /NFTables\.syncPeriod: Invalid value: "-1s": must be greater than or equal to 0/);
  });
});
