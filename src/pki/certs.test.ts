import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { createCA, issueCert, type CertKeyPair } from './certs.js';

const ca = createCA('knit-test-ca');
const otherCa = createCA('someone-else');

describe('createCA and issueCert', () => {
  it('makes a self-signed CA certificate', () => {
    const cert = new X509Certificate(ca.certPem);
    assert.equal(cert.subject, 'CN=knit-test-ca');
    assert.equal(cert.issuer, 'CN=knit-test-ca');
    assert.equal(cert.ca, true);
    assert.ok(cert.verify(cert.publicKey), 'self-signed');
    assert.ok(cert.checkPrivateKey(createPrivateKey(ca.keyPem)));
    assert.match(ca.keyPem, /^-----BEGIN EC PRIVATE KEY-----\n/);
    const years = (Date.parse(cert.validTo) - Date.now()) / (365 * 24 * 3600 * 1000);
    assert.ok(years > 9.9 && years < 10.1, `a CA is valid for 10 years, got ${years}`);
  });

  it('issues a certificate with the subject, SANs and usages asked for, signed by the CA', () => {
    const issued = issueCert(ca, {
      commonName: 'kubernetes-admin',
      organizations: ['system:masters', 'kubeadm:cluster-admins'],
      dnsNames: ['localhost', 'kubernetes.default.svc'],
      ipAddresses: ['127.0.0.1', '10.96.0.1', '::1', 'fd00::a:1'],
      usage: 'both',
      days: 30,
    });
    const cert = new X509Certificate(issued.certPem);
    const caCert = new X509Certificate(ca.certPem);
    assert.equal(cert.subject, 'O=system:masters\nO=kubeadm:cluster-admins\nCN=kubernetes-admin');
    assert.equal(cert.issuer, 'CN=knit-test-ca');
    assert.equal(cert.ca, false);
    assert.ok(cert.checkIssued(caCert));
    assert.ok(cert.verify(caCert.publicKey));
    assert.ok(cert.checkPrivateKey(createPrivateKey(issued.keyPem)));
    assert.equal(
      cert.subjectAltName,
      'DNS:localhost, DNS:kubernetes.default.svc, IP Address:127.0.0.1, IP Address:10.96.0.1, IP Address:0:0:0:0:0:0:0:1, IP Address:FD00:0:0:0:0:0:A:1',
    );
    assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']); // extended key usage: serverAuth, clientAuth
    assert.equal(cert.checkIP('10.96.0.1'), '10.96.0.1');
    assert.equal(cert.checkHost('kubernetes.default.svc'), 'kubernetes.default.svc');
    const days = (Date.parse(cert.validTo) - Date.now()) / (24 * 3600 * 1000);
    assert.ok(days > 29.9 && days < 30.1, `valid for 30 days, got ${days}`);
    assert.ok(Date.parse(cert.validFrom) <= Date.now(), 'valid at once');
  });

  it('gives each certificate its own key and serial number', () => {
    const a = new X509Certificate(issueCert(ca, { commonName: 'a', usage: 'client' }).certPem);
    const b = new X509Certificate(issueCert(ca, { commonName: 'a', usage: 'client' }).certPem);
    assert.notEqual(a.serialNumber, b.serialNumber);
    assert.notEqual(a.publicKey.export({ type: 'spki', format: 'pem' }), b.publicKey.export({ type: 'spki', format: 'pem' }));
  });

  it('refuses bad input with a clear error', () => {
    const leaf = issueCert(ca, { commonName: 'leaf', usage: 'server' });
    assert.throws(() => issueCert(leaf, { commonName: 'x', usage: 'client' }), /is not a CA/);
    assert.throws(() => issueCert({ certPem: ca.certPem, keyPem: otherCa.keyPem }, { commonName: 'x', usage: 'client' }), /does not match/);
    assert.throws(() => issueCert(ca, { commonName: '', usage: 'client' }), /commonName: must not be empty/);
    assert.throws(() => issueCert(ca, { commonName: 'x', usage: 'client', ipAddresses: ['10.0.0.300'] }), /not an IP address/);
    assert.throws(() => issueCert(ca, { commonName: 'x', usage: 'client', dnsNames: ['bad name'] }), /not a DNS name/);
    assert.throws(() => issueCert(ca, { commonName: 'x', usage: 'peer' as never }), /usage must be/);
    assert.throws(() => issueCert(ca, { commonName: 'x', usage: 'client', days: 0 }), /days must be/);
    assert.throws(() => issueCert({ certPem: 'nope', keyPem: 'nope' }, { commonName: 'x', usage: 'client' }), /not valid PEM/);
  });
});

describe('OpenSSL agrees', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'knit-pki-test-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** openssl verify's verdict on cert against issuer (default: the test CA) for a purpose. */
  const verify = async (purpose: string, cert: CertKeyPair, issuer: CertKeyPair = ca): Promise<string> => {
    await writeFile(join(dir, 'ca.pem'), issuer.certPem);
    await writeFile(join(dir, 'cert.pem'), cert.certPem);
    try {
      return execFileSync('openssl', ['verify', '-purpose', purpose, '-CAfile', join(dir, 'ca.pem'), join(dir, 'cert.pem')], { encoding: 'utf8', stdio: 'pipe' });
    } catch (err) {
      return String((err as { stdout?: string }).stdout ?? err);
    }
  };

  it('verifies chain and purpose: server certificates serve, client certificates authenticate, not the other way', async () => {
    const server = issueCert(ca, { commonName: 'srv', usage: 'server', dnsNames: ['localhost'] });
    const client = issueCert(ca, { commonName: 'cli', usage: 'client' });
    assert.match(await verify('sslserver', server), /: OK/);
    assert.match(await verify('sslclient', client), /: OK/);
    assert.doesNotMatch(await verify('sslclient', server), /: OK/);
    assert.doesNotMatch(await verify('sslserver', client), /: OK/);
  });

  it('issues from a CA that OpenSSL made, keeping its subject and key identifier; refuses an RSA CA', async () => {
    const make = (name: string, keyArgs: string[]) => {
      execFileSync('openssl', ['req', '-x509', '-nodes', ...keyArgs, '-subj', `/O=Example Org/CN=${name}`, '-days', '2',
        '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.pem`)], { stdio: 'pipe' });
      return { certPem: readFileSync(join(dir, `${name}.pem`), 'utf8'), keyPem: readFileSync(join(dir, `${name}.key`), 'utf8') };
    };
    const external = make('openssl-ca', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']);
    const leaf = issueCert(external, { commonName: 'svc', usage: 'server', dnsNames: ['svc.example'] });
    assert.equal(new X509Certificate(leaf.certPem).issuer, 'O=Example Org\nCN=openssl-ca');
    assert.match(await verify('sslserver', leaf, external), /: OK/);
    const rsa = make('openssl-rsa-ca', ['-newkey', 'rsa:2048']);
    assert.throws(() => issueCert(rsa, { commonName: 'x', usage: 'client' }), /ECDSA P-256/);
  });
});

describe('a real TLS server requiring client certificates', () => {
  const serverCert = issueCert(ca, { commonName: 'knit-test-server', usage: 'server', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  let server: tls.Server;
  let port: number;

  before(async () => {
    server = tls.createServer({ key: serverCert.keyPem, cert: serverCert.certPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: true }, (socket) => {
      const peer = socket.getPeerCertificate();
      socket.end(`hello ${peer.subject.CN} of ${[peer.subject.O].flat().join(',')}\n`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  /** Connects, and resolves with what the server said, or with the error that ended the connection. */
  function talk(options: tls.ConnectionOptions): Promise<{ data: string; error?: string }> {
    return new Promise((resolve) => {
      let data = '';
      const socket = tls.connect({ host: '127.0.0.1', port, ca: ca.certPem, ...options });
      socket.setEncoding('utf8');
      socket.on('data', (d) => (data += d));
      socket.on('error', (err) => resolve({ data, error: String((err as { code?: string }).code ?? err.message) }));
      socket.on('close', () => resolve({ data }));
    });
  }

  /** Connects with a certificate the server must refuse: no greeting, and the server reports the failed handshake. */
  async function assertRefused(options: tls.ConnectionOptions): Promise<void> {
    const refused = once(server, 'tlsClientError');
    const result = await talk(options);
    assert.equal(result.data, '', 'the server never greeted the client');
    await refused;
  }

  it('accepts a client certificate issued by the CA, and the client verifies the server by IP and by name', async () => {
    const client = issueCert(ca, { commonName: 'jane', organizations: ['devs'], usage: 'client' });
    assert.deepEqual(await talk({ cert: client.certPem, key: client.keyPem }), { data: 'hello jane of devs\n' });
    assert.deepEqual(await talk({ cert: client.certPem, key: client.keyPem, servername: 'localhost' }), { data: 'hello jane of devs\n' });
  });

  it('refuses a client without a certificate', async () => {
    await assertRefused({});
  });

  it('refuses a client certificate from another CA', async () => {
    const foreign = issueCert(otherCa, { commonName: 'mallory', usage: 'client' });
    await assertRefused({ cert: foreign.certPem, key: foreign.keyPem });
  });

  it('refuses a certificate issued for serving when it is used as a client certificate', async () => {
    const serving = issueCert(ca, { commonName: 'not-a-client', usage: 'server' });
    await assertRefused({ cert: serving.certPem, key: serving.keyPem });
  });

  it('lets the client refuse a server whose certificate does not name the address it dialled', async () => {
    const client = issueCert(ca, { commonName: 'jane', usage: 'client' });
    const result = await talk({ cert: client.certPem, key: client.keyPem, servername: 'elsewhere.example' });
    assert.equal(result.error, 'ERR_TLS_CERT_ALTNAME_INVALID');
  });
});
