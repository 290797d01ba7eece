import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NflogRecord } from '../platform/index.js';
import { DenialLog } from './denials.js';
import type { TierChain } from './cluster-policy.js';
import type { PolicySet } from './model.js';

const empty = { everything: false, peers: [], peerPorts: [], ports: [], named: [] };
const sets: Record<string, PolicySet> = {
  aaaaaaaaaaaa: { id: 'aaaaaaaaaaaa', direction: 'ingress', enforcedBy: ['prod/deny-all', 'prod/allow-frontend'], auditedBy: [], allowed: empty },
  bbbbbbbbbbbb: { id: 'bbbbbbbbbbbb', direction: 'egress', enforcedBy: [], auditedBy: ['prod/try'], allowed: empty },
};
const chains: Record<string, TierChain> = {
  cccccccccccc: { id: 'cccccccccccc', tier: 'admin', direction: 'egress', policies: ['no-internet'], rules: [
    { policy: 'no-internet', rule: 'allow-dns', action: 'Accept', match: empty },
    { policy: 'no-internet', rule: 'block-rest', action: 'Deny', match: empty },
  ] },
};
const names: Record<string, string> = { '10.244.1.2': 'prod/backend', '10.244.2.4': 'prod/database', '192.168.1.11': 'node node-2' };

function log(): { lines: string[]; log: DenialLog } {
  const lines: string[] = [];
  return { lines, log: new DenialLog({ policySet: (id) => sets[id], tierChain: (id) => chains[id], describe: (ip) => names[ip], sink: (l) => lines.push(l) }) };
}

const packet = (o: Partial<NflogRecord>): NflogRecord => ({
  at: Date.UTC(2026, 11, 6, 5, 15, 3, 123), prefix: 'knit-np:d:i:aaaaaaaaaaaa', protocol: 6,
  srcIp: '10.244.2.4', srcPort: 40312, dstIp: '10.244.1.2', dstPort: 8080, ...o,
});

describe('denied connections as lines', () => {
  it('names both ends, the protocol, the direction and the isolating policies', () => {
    const { lines, log: l } = log();
    l.record(packet({}));
    assert.deepEqual(lines, ['2026-12-06T05:15:03.123Z DENIED tcp prod/database (10.244.2.4:40312) -> prod/backend (10.244.1.2:8080) ingress; isolated by prod/deny-all, prod/allow-frontend']);
  });

  it('one line per connection, however many packets; at most one a second per pair, the rest counted', () => {
    const { lines, log: l } = log();
    const t0 = packet({}).at;
    l.record(packet({}));
    l.record(packet({ at: t0 + 1000 }));               // the SYN again: same connection
    l.record(packet({ at: t0 + 200, srcPort: 40313 }));  // another connection of the pair, too soon
    l.record(packet({ at: t0 + 300, srcPort: 40314 }));
    l.record(packet({ at: t0 + 1500, srcPort: 40315 }));
    assert.equal(lines.length, 2);
    assert.match(lines[1], /:40315\) -> .* \(and 2 more like it in the last second\)$/);
  });

  it('audit lines say what would be denied; nodes and outside addresses are named so', () => {
    const { lines, log: l } = log();
    l.record(packet({ prefix: 'knit-np:a:e:bbbbbbbbbbbb', protocol: 17, srcIp: '10.244.1.2', srcPort: 5000, dstIp: '8.8.8.8', dstPort: 53 }));
    l.record(packet({ srcIp: '192.168.1.11', srcPort: 7 }));
    l.record(packet({ prefix: 'something-else' }));
    l.record(packet({ prefix: 'knit-np:c:e:cccccccccccc:1', srcIp: '10.244.1.2', srcPort: 6000, dstIp: '1.1.1.1', dstPort: 443 }));
    assert.deepEqual(lines, [
      '2026-12-06T05:15:03.123Z AUDIT would deny udp prod/backend (10.244.1.2:5000) -> external 8.8.8.8:53 egress; audited by prod/try',
      '2026-12-06T05:15:03.123Z DENIED tcp node node-2 (192.168.1.11:7) -> prod/backend (10.244.1.2:8080) ingress; isolated by prod/deny-all, prod/allow-frontend',
      '2026-12-06T05:15:03.123Z DENIED tcp prod/backend (10.244.1.2:6000) -> external 1.1.1.1:443 egress; denied by ClusterNetworkPolicy no-internet rule block-rest (Admin tier)',
    ]);
  });
});
