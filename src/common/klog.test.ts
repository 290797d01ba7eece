import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, formatDuration } from './klog.js';

describe('klog-format log lines', () => {
  it('writes header, quoted message and key=value pairs', () => {
    const lines: string[] = [];
    const log = createLogger('proxier.ts', (l) => lines.push(l));
    log.info('Syncing iptables rules', { ipFamily: 'IPv4', fullSync: true, numServices: 3 });
    log.error(new Error('exit status 1'), 'Failed to execute iptables-restore');
    assert.match(lines[0], /^I\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ proxier\.ts\] "Syncing iptables rules" ipFamily="IPv4" fullSync=true numServices=3$/);
    assert.match(lines[1], /^E\d{4} .* proxier\.ts\] "Failed to execute iptables-restore" err="exit status 1"$/);
  });

  it('formats durations as Go does', () => {
    assert.equal(formatDuration(34.5123456), '34.512346ms');
    assert.equal(formatDuration(1234.5), '1.2345s');
    assert.equal(formatDuration(0.5123), '512.3µs');
  });
});
