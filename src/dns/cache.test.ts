import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cacheKey, ResponseCache } from './cache.js';
import type { CacheConfig } from './corefile.js';
import { emptyMessage, type Message, type ResourceRecord } from './wire/types.js';

const config: CacheConfig = { zones: ['.'], successCapacity: 3, successTtl: 30, successMinTtl: 5, denialCapacity: 3, denialTtl: 30, denialMinTtl: 5, servfailTtl: 5 };
const a = (name: string, ttl: number): ResourceRecord => ({ name, type: 1, class: 1, ttl, address: '192.0.2.1' });
const soa = (ttl: number): ResourceRecord => ({ name: 'example.', type: 6, class: 1, ttl, mname: 'ns.example.', rname: 'h.example.', serial: 1, refresh: 1, retry: 1, expire: 1, minimum: 60 });

function reply(rcode: number, answers: ResourceRecord[], authorities: ResourceRecord[] = [], tc = false): Message {
  return { ...emptyMessage(1), qr: true, ra: true, tc, rcode, answers, authorities };
}

function clock(): { now: () => number; advance(s: number): void } {
  let t = 1_000_000;
  return { now: () => t, advance: (s) => { t += s * 1000; } };
}

describe('ResponseCache (CoreDNS cache rules)', () => {
  const key = cacheKey({ name: 'www.Example.', type: 1, class: 1 }, false, false);

  it('keys case-insensitively, apart by type, DO and CD', () => {
    assert.equal(key, cacheKey({ name: 'WWW.example.', type: 1, class: 1 }, false, false));
    assert.notEqual(key, cacheKey({ name: 'www.example.', type: 28, class: 1 }, false, false));
    assert.notEqual(key, cacheKey({ name: 'www.example.', type: 1, class: 1 }, true, false));
    assert.notEqual(key, cacheKey({ name: 'www.example.', type: 1, class: 1 }, false, true));
  });

  it('keeps a success for its smallest TTL (capped by the configured TTL), serves that as every TTL, counting down', () => {
    const c = clock();
    const cache = new ResponseCache(config, c.now);
    assert.equal(cache.put(key, reply(0, [a('www.example.', 300), a('www.example.', 20)])).kind, 'success');
    c.advance(7);
    const hit = cache.get(key);
    assert.deepEqual(hit?.response.answers.map((r) => r.ttl), [13, 13]);
    c.advance(13);
    assert.equal(cache.get(key), undefined, 'expired after 20 s');
  });

  it('raises a short TTL to the 5 s minimum', () => {
    const c = clock();
    const cache = new ResponseCache(config, c.now);
    cache.put(key, reply(0, [a('www.example.', 1)]));
    c.advance(4);
    assert.equal(cache.get(key)?.response.answers[0].ttl, 1);
    c.advance(1);
    assert.equal(cache.get(key), undefined);
  });

  it('caches NXDOMAIN and NODATA only with an SOA', () => {
    const cache = new ResponseCache(config, clock().now);
    assert.equal(cache.put(key, reply(3, [])).kind, null);
    assert.equal(cache.put(key, reply(0, [])).kind, null);
    assert.equal(cache.put(key, reply(3, [], [soa(60)])).kind, 'denial');
    assert.equal(cache.get(key)?.response.rcode, 3);
    assert.equal(cache.get(key)?.response.authorities[0].ttl, 30);
  });

  it('keeps SERVFAIL for servfail seconds; never truncated, REFUSED or FORMERR answers', () => {
    const c = clock();
    const cache = new ResponseCache(config, c.now);
    assert.equal(cache.put(key, reply(0, [a('www.example.', 60)], [], true)).kind, null);
    assert.equal(cache.put(key, reply(5, [])).kind, null);
    assert.equal(cache.put(key, reply(1, [])).kind, null);
    assert.equal(cache.put(key, reply(2, [])).kind, 'denial');
    c.advance(5);
    assert.equal(cache.get(key), undefined);
  });

  it('evicts when full, and counts evictions', () => {
    let evicted = 0;
    const cache = new ResponseCache(config, clock().now, { evicted: () => { evicted++; } });
    for (let i = 0; i < 5; i++) cache.put(`k${i}`, reply(0, [a(`h${i}.`, 60)]));
    assert.equal(cache.size('success'), 3);
    assert.equal(evicted, 2);
  });
});
