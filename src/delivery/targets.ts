// Outbound safety for webhook and forward targets: only http(s) URLs without credentials, and only
// public addresses unless the operator allows private ones. A URL names a host; what matters is
// the address it resolves to, so the check runs on the resolution (and again when connecting, in
// http-client.ts, so a name that resolves elsewhere the second time cannot slip through).
import { lookup } from 'node:dns/promises';
import type { LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { MixchainError, describe } from '../errors.js';

const MAX_URL_LENGTH = 2048;

// Addresses that are not the public internet: this host, the local networks, cloud metadata
// (169.254.169.254 sits in link-local, 100.100.100.200 in CGNAT, fd00:ec2::254 in unique-local),
// multicast, and reserved ranges nobody should be sending webhooks to.
const IPV4_RANGES: [string, number][] = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
];
const IPV6_RANGES: [string, number][] = [
  // IPv4-compatible (deprecated), which also holds :: and ::1.
  ['::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
];

const blocked = new BlockList();
for (const [network, prefix] of IPV4_RANGES) blocked.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of IPV6_RANGES) blocked.addSubnet(network, prefix, 'ipv6');

/** The eight 16-bit groups of a valid IPv6 address (a trailing dotted quad included). */
function ipv6Groups(ip: string): number[] {
  let text = ip;
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const parse = (part: string | undefined) => (part ? part.split(':').map((group) => parseInt(group, 16)) : []);
  const start = parse(head);
  const end = parse(tail);
  return [...start, ...Array<number>(8 - start.length - end.length).fill(0), ...end];
}

const ipv4Of = (high: number, low: number) => `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;

/** The IPv4 address an IPv6 one carries and reaches: mapped (::ffff:a.b.c.d), NAT64 (64:ff9b::/96), 6to4 (2002::/16). */
function embeddedIpv4(groups: number[]): string | null {
  const [g0, g1, g2, g3, g4, g5, g6, g7] = groups as [number, number, number, number, number, number, number, number];
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0xffff) return ipv4Of(g6, g7);
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return ipv4Of(g6, g7);
  if (g0 === 0x2002) return ipv4Of(g1, g2);
  return null;
}

/**
 * Whether an address is loopback, private, link-local, unique-local, CGNAT, unspecified, multicast
 * or reserved, also when written as an IPv6 address that carries such an IPv4 one. Text that is
 * not an IP address counts as private: what cannot be classified is not sent to.
 */
export function isPrivateAddress(ip: string): boolean {
  const address = ip.replace(/%.*$/, '');
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family !== 6) return true;
  const groups = ipv6Groups(address);
  const ipv4 = embeddedIpv4(groups);
  if (ipv4 !== null) return blocked.check(ipv4, 'ipv4');
  return blocked.check(groups.map((group) => group.toString(16)).join(':'), 'ipv6');
}

/** A target as it may be shown in records, logs and errors: no credentials, no query, no fragment. */
export function displayTarget(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

const invalid = (message: string) => new MixchainError('ERR_TARGET_INVALID', message);

/** Checks a webhook/forward URL as given (http/https only, no credentials in it, a host) → URL, else ERR_TARGET_INVALID. */
export function parseTarget(url: string): URL {
  if (typeof url !== 'string' || url.length > MAX_URL_LENGTH) throw invalid(`Expected an http(s) URL of at most ${MAX_URL_LENGTH} characters but got ${typeof url === 'string' ? `${url.length} characters` : describe(url)}`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // The text itself is not repeated: it may hold a token.
    throw invalid(`Expected an http(s) URL but got ${url.length} characters that do not parse as a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw invalid(`Expected an http: or https: URL but got a '${parsed.protocol.slice(0, 20)}' URL`);
  if (parsed.username || parsed.password) throw invalid(`Expected a URL without credentials but got one with a user name or password (${displayTarget(parsed)})`);
  if (!parsed.hostname) throw invalid(`Expected a URL with a host but got none (${displayTarget(parsed)})`);
  return parsed;
}

/** The host of a URL as an address or a name to resolve ('[::1]' → '::1'). */
export const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1');

/**
 * The addresses `host` resolves to (an address resolves to itself), refusing with
 * ERR_TARGET_PRIVATE when any is private unless `allowPrivate`; ERR_TARGET_UNRESOLVED when the
 * name does not resolve.
 */
export async function resolveTarget(host: string, allowPrivate: boolean, family: 0 | 4 | 6 = 0): Promise<LookupAddress[]> {
  let addresses: LookupAddress[];
  const literal = isIP(host);
  if (literal) addresses = [{ address: host, family: literal }];
  else {
    try {
      addresses = await lookup(host, { all: true, family });
    } catch (error) {
      throw new MixchainError('ERR_TARGET_UNRESOLVED', `Expected ${host} to resolve to an address but the lookup failed (${(error as NodeJS.ErrnoException).code ?? describe(error)})`);
    }
  }
  const refused = allowPrivate ? undefined : addresses.find((a) => isPrivateAddress(a.address));
  if (refused) {
    const via = literal ? '' : ` (which ${host} resolves to)`;
    throw new MixchainError('ERR_TARGET_PRIVATE', `Expected a public address but got ${refused.address}${via}, a private, loopback or link-local address this service does not send to`);
  }
  return addresses;
}

/** Resolves the host and refuses private/loopback/link-local addresses unless allowPrivate → ERR_TARGET_PRIVATE. */
export async function checkTarget(url: string, allowPrivate: boolean): Promise<URL> {
  const target = parseTarget(url);
  await resolveTarget(hostOf(target), allowPrivate);
  return target;
}
