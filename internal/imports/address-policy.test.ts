// The import address policy: public unicast addresses pass; loopback, private, link-local, metadata and the
// IPv6 spellings of them are refused with the reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { refusedAddress } from './address-policy.ts';

test('public addresses pass', () => {
  for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '[2a00:1450:4001:80b::200e]'])
    assert.equal(refusedAddress(address), null, address);
});

test('loopback, private, link-local, metadata and reserved addresses are refused, in every spelling', () => {
  for (const [address, reason] of [
    ['127.0.0.1', /loopback/],
    ['127.0.0.2', /loopback/],
    ['10.1.2.3', /private/],
    ['172.20.0.1', /private/],
    ['192.168.1.1', /private/],
    ['169.254.169.254', /link-local.*metadata/],
    ['100.100.100.200', /carrier-grade/],
    ['0.0.0.0', /this network/],
    ['224.0.0.1', /multicast/],
    ['::1', /loopback/],
    ['[::1]', /loopback/],
    ['::', /unspecified/],
    ['fe80::1%eth0', /link-local/],
    ['fd00:ec2::254', /unique local/],
    ['::ffff:127.0.0.1', /loopback/],
    ['::ffff:7f00:1', /loopback/],
    ['::ffff:a9fe:a9fe', /metadata/],
    ['64:ff9b::10.0.0.1', /private/],
    ['2002:c0a8:0101::1', /private/],
  ] as const)
    assert.match(refusedAddress(address) ?? 'allowed', reason, address);
  assert.equal(refusedAddress('example.com'), 'not an IP address');
});
