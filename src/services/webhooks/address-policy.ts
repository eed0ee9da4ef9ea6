import { BlockList, isIP } from 'node:net';

/** Why an address is not a public one (null: it is). */
export type AddressClass =
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'cgnat'
  | 'multicast'
  | 'reserved'
  | 'documentation'
  | 'benchmarking'
  | 'ipv6-ula'
  | 'ipv6-mapped'
  | 'ipv6-translated'
  | 'ipv6-non-global'
  | 'invalid';

const RANGES: [AddressClass, string, number, 'ipv4' | 'ipv6'][] = [
  ['unspecified', '0.0.0.0', 8, 'ipv4'],
  ['private', '10.0.0.0', 8, 'ipv4'],
  ['cgnat', '100.64.0.0', 10, 'ipv4'],
  ['loopback', '127.0.0.0', 8, 'ipv4'],
  ['link-local', '169.254.0.0', 16, 'ipv4'],
  ['private', '172.16.0.0', 12, 'ipv4'],
  ['reserved', '192.0.0.0', 24, 'ipv4'],
  ['documentation', '192.0.2.0', 24, 'ipv4'],
  ['reserved', '192.88.99.0', 24, 'ipv4'],
  ['private', '192.168.0.0', 16, 'ipv4'],
  ['benchmarking', '198.18.0.0', 15, 'ipv4'],
  ['documentation', '198.51.100.0', 24, 'ipv4'],
  ['documentation', '203.0.113.0', 24, 'ipv4'],
  ['multicast', '224.0.0.0', 4, 'ipv4'],
  ['reserved', '240.0.0.0', 4, 'ipv4'], // includes 255.255.255.255
  ['unspecified', '::', 128, 'ipv6'],
  ['loopback', '::1', 128, 'ipv6'],
  ['ipv6-mapped', '::ffff:0:0', 96, 'ipv6'],
  ['ipv6-translated', '64:ff9b::', 96, 'ipv6'],
  ['ipv6-translated', '64:ff9b:1::', 48, 'ipv6'],
  ['reserved', '100::', 64, 'ipv6'],
  ['reserved', '2001::', 23, 'ipv6'], // IETF protocol assignments (Teredo, ORCHID, ...)
  ['documentation', '2001:db8::', 32, 'ipv6'],
  ['ipv6-translated', '2002::', 16, 'ipv6'], // 6to4: embeds an IPv4 address
  ['ipv6-ula', 'fc00::', 7, 'ipv6'],
  ['link-local', 'fe80::', 10, 'ipv6'],
  ['multicast', 'ff00::', 8, 'ipv6'],
];

/** One list per range, checked only with addresses of its own family. */
const LISTS = RANGES.map(([cls, net, prefix, family]) => {
  const list = new BlockList();
  list.addSubnet(net, prefix, family);
  return { cls, family, list };
});
const GLOBAL_UNICAST_V6 = new BlockList();
GLOBAL_UNICAST_V6.addSubnet('2000::', 3, 'ipv6');

/**
 * What kind of address this is, for the webhook SSRF guard: null for a public unicast address,
 * else the class that makes it unfit (loopback, private, link-local, CGNAT, multicast, IPv6 ULA,
 * IPv4-mapped IPv6, ...). IPv6 outside global unicast (2000::/3) is refused as a whole.
 */
export function classifyAddress(address: string): AddressClass | null {
  const family = isIP(address);
  if (family === 0) return 'invalid';
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const hit = LISTS.find((l) => l.family === type && l.list.check(address, type));
  if (hit) return hit.cls;
  if (type === 'ipv6' && !GLOBAL_UNICAST_V6.check(address, 'ipv6')) return 'ipv6-non-global';
  return null;
}
