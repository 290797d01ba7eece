// X.509 v3 certificates with ECDSA P-256 keys, built here from DER: a self-signed CA and the
// server and client certificates it issues, shaped like kubeadm's (CN = user, O = groups).
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import * as der from './der.js';

/** A certificate and its private key, both PEM. A CA is one too. */
export interface CertKeyPair {
  certPem: string;
  /** SEC 1 "EC PRIVATE KEY", as kubeadm writes ECDSA keys. */
  keyPem: string;
}

export type CertificateAuthority = CertKeyPair;

export type CertUsage = 'server' | 'client' | 'both';

export interface CertSpec {
  /** Subject CN: the user name the API server sees for a client certificate. */
  commonName: string;
  /** Subject O entries: the groups the API server sees (system:masters, system:nodes, ...). */
  organizations?: string[];
  /** subjectAltName DNS names. */
  dnsNames?: string[];
  /** subjectAltName IP addresses (v4 or v6). */
  ipAddresses?: string[];
  usage: CertUsage;
  /** Validity from now (default 365, as kubeadm's leaf certificates). */
  days?: number;
}

const OID = {
  ecPublicKey: '1.2.840.10045.2.1',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
};

// keyUsage bit numbers (RFC 5280 4.2.1.3)
const DIGITAL_SIGNATURE = 0;
const KEY_CERT_SIGN = 5;
const CRL_SIGN = 6;

const DAY_MS = 24 * 60 * 60 * 1000;
/** Backdating, so a certificate is valid at once on a clock that runs a little behind. */
const BACKDATE_MS = 5 * 60 * 1000;

/** A new self-signed CA (default validity 10 years, as kubeadm's). */
export function createCA(commonName: string, options: { days?: number } = {}): CertificateAuthority {
  checkName('commonName', commonName);
  const days = checkDays(options.days ?? 3650);
  const key = newKey();
  const subject = name(commonName, []);
  const spki = publicKeyInfo(key);
  const ski = keyIdentifier(spki);
  const extensions = [
    extension(OID.basicConstraints, der.sequence(der.boolean(true)), true),
    extension(OID.keyUsage, der.namedBits([DIGITAL_SIGNATURE, KEY_CERT_SIGN, CRL_SIGN]), true),
    extension(OID.subjectKeyIdentifier, der.octetString(ski)),
  ];
  const certPem = signCertificate({ issuer: subject, subject, spki, days, extensions }, key);
  return { certPem, keyPem: keyToPem(key) };
}

/** A new key and a certificate for it, signed by ca. */
export function issueCert(ca: CertificateAuthority, spec: CertSpec): CertKeyPair {
  checkName('commonName', spec.commonName);
  for (const o of spec.organizations ?? []) checkName('organizations', o);
  for (const dns of spec.dnsNames ?? []) checkDnsName(dns);
  for (const ip of spec.ipAddresses ?? []) if (!isIP(ip)) throw new Error(`ipAddresses: "${ip}" is not an IP address`);
  if (!['server', 'client', 'both'].includes(spec.usage)) throw new Error(`usage must be server, client or both, got "${spec.usage}"`);
  const days = checkDays(spec.days ?? 365);

  const { issuer, caKey, caKeyId } = openCA(ca);
  const key = newKey();
  const spki = publicKeyInfo(key);
  const extKeyUsage = spec.usage === 'server' ? [OID.serverAuth] : spec.usage === 'client' ? [OID.clientAuth] : [OID.serverAuth, OID.clientAuth];
  const altNames = [
    ...(spec.dnsNames ?? []).map((dns) => der.implicit(2, Buffer.from(dns, 'latin1'))),
    ...(spec.ipAddresses ?? []).map((ip) => der.implicit(7, ipBytes(ip))),
  ];
  const extensions = [
    extension(OID.basicConstraints, der.sequence(), true),
    extension(OID.keyUsage, der.namedBits([DIGITAL_SIGNATURE]), true),
    extension(OID.extKeyUsage, der.sequence(...extKeyUsage.map(der.oid))),
    extension(OID.subjectKeyIdentifier, der.octetString(keyIdentifier(spki))),
    extension(OID.authorityKeyIdentifier, der.sequence(der.implicit(0, caKeyId))),
  ];
  if (altNames.length > 0) extensions.push(extension(OID.subjectAltName, der.sequence(...altNames)));
  const subject = name(spec.commonName, spec.organizations ?? []);
  const certPem = signCertificate({ issuer, subject, spki, days, extensions }, caKey);
  return { certPem, keyPem: keyToPem(key) };
}

interface TbsFields {
  issuer: Buffer;
  subject: Buffer;
  spki: Buffer;
  days: number;
  extensions: Buffer[];
}

function signCertificate(fields: TbsFields, signer: KeyObject): string {
  const now = Date.now();
  const serial = randomBytes(16);
  serial[0] &= 0x7f; // positive, at most 128 bits (RFC 5280 allows 20 octets)
  const algorithm = der.sequence(der.oid(OID.ecdsaWithSha256));
  const tbs = der.sequence(
    der.explicit(0, der.integer(2)), // v3
    der.integer(serial),
    algorithm,
    fields.issuer,
    der.sequence(der.time(new Date(now - BACKDATE_MS)), der.time(new Date(now + fields.days * DAY_MS))),
    fields.subject,
    fields.spki,
    der.explicit(3, der.sequence(...fields.extensions)),
  );
  const signature = sign('sha256', tbs, signer); // ECDSA-Sig-Value, DER
  const cert = der.sequence(tbs, algorithm, der.bitString(signature));
  return toPem('CERTIFICATE', cert);
}

/** The CA's subject (the issuer of what it signs), key and key identifier, checked for use. */
function openCA(ca: CertificateAuthority): { issuer: Buffer; caKey: KeyObject; caKeyId: Buffer } {
  let cert: X509Certificate;
  let caKey: KeyObject;
  try {
    cert = new X509Certificate(ca.certPem);
    caKey = createPrivateKey(ca.keyPem);
  } catch (err) {
    throw new Error(`CA certificate or key is not valid PEM: ${(err as Error).message}`);
  }
  if (!cert.ca) throw new Error(`certificate "${cert.subject}" is not a CA`);
  if (caKey.asymmetricKeyType !== 'ec' || caKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error('CA key must be ECDSA P-256: certificates here are signed ecdsa-with-SHA256');
  }
  if (!cert.checkPrivateKey(caKey)) throw new Error('CA key does not match the CA certificate');
  const tbs = der.children(der.read(cert.raw).content)[0];
  const fields = der.children(tbs.content);
  // version [0], serial, algorithm, issuer, validity, subject, spki, extensions [3]
  const subject = fields[5].raw;
  const spki = fields[6].raw;
  return { issuer: subject, caKey, caKeyId: subjectKeyIdOf(fields) ?? keyIdentifier(spki) };
}

/** The key identifier in a certificate's subjectKeyIdentifier extension, when it has one. */
function subjectKeyIdOf(tbsFields: der.Element[]): Buffer | undefined {
  const wrapper = tbsFields.find((f) => f.tag === 0xa3); // extensions [3]
  if (!wrapper) return undefined;
  for (const ext of der.children(der.read(wrapper.content).content)) {
    const parts = der.children(ext.content); // extnID, critical?, extnValue
    if (der.readOid(parts[0].content) === OID.subjectKeyIdentifier) return der.read(parts[parts.length - 1].content).content;
  }
  return undefined;
}

function extension(id: string, value: Buffer, critical = false): Buffer {
  return der.sequence(der.oid(id), ...(critical ? [der.boolean(true)] : []), der.octetString(value));
}

/** Subject or issuer Name: O entries (one RDN each) then CN, in the order Go's pkix.Name writes them. */
function name(commonName: string, organizations: string[]): Buffer {
  const rdn = (type: string, value: string) => der.set(der.sequence(der.oid(type), der.utf8String(value)));
  return der.sequence(...organizations.map((o) => rdn(OID.organization, o)), rdn(OID.commonName, commonName));
}

function newKey(): KeyObject {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
}

function publicKeyInfo(key: KeyObject): Buffer {
  return createPublicKey(key).export({ type: 'spki', format: 'der' });
}

/** SHA-1 of the subjectPublicKey bits (RFC 5280 4.2.1.2, method 1), as Go and OpenSSL compute it. */
function keyIdentifier(spki: Buffer): Buffer {
  const bits = der.children(der.read(spki).content)[1].content.subarray(1); // skip the unused-bits byte
  return createHash('sha1').update(bits).digest();
}

function keyToPem(key: KeyObject): string {
  return key.export({ type: 'sec1', format: 'pem' }) as string;
}

function toPem(label: string, body: Buffer): string {
  const lines = body.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  // IPv6: expand "::" and any embedded IPv4 tail into eight 16-bit groups.
  let text = ip;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4[1].split('.').map(Number);
    text = text.slice(0, v4.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const groups = (s: string | undefined) => (s ? s.split(':') : []);
  const fill = tail === undefined ? [] : Array(8 - groups(head).length - groups(tail).length).fill('0');
  const all = [...groups(head), ...fill, ...groups(tail)];
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

function checkName(field: string, value: string): void {
  if (typeof value !== 'string' || value.length === 0) throw new Error(`${field}: must not be empty`);
}

function checkDnsName(dns: string): void {
  // A host name or a wildcard of one, the names TLS clients match.
  if (!/^(\*\.)?([a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)*\.?$/.test(dns)) {
    throw new Error(`dnsNames: "${dns}" is not a DNS name`);
  }
}

function checkDays(days: number): number {
  if (!Number.isSafeInteger(days) || days < 1) throw new Error(`days must be a whole number >= 1, got ${String(days)}`);
  return days;
}
