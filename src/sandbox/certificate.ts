/**
 * The sandbox's TLS material, made fresh at every start: a throwaway CA and a
 * server certificate it signs for `localhost` and `127.0.0.1`. The CA's PEM
 * is written to a file so that `mailsh --ca FILE` verifies the chain and the
 * host name like any real server, instead of teaching `-k`.
 *
 * Node can make keys but not X.509 certificates, so node-forge (pure JS, no
 * dependencies) builds and signs them; `npx mailsh try imap` thus needs
 * nothing but Node, not even openssl. Keys come from node:crypto, which is
 * native and fast; forge only does the ASN.1 and the signature.
 */
import { generateKeyPair, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import forge from 'node-forge';

const generateRsa = promisify(generateKeyPair);

/** PEM texts of the sandbox's CA and of the server's certificate chain and key. */
export interface SandboxCertificates {
  caPem: string;
  certPem: string;
  keyPem: string;
}

interface KeyPair {
  privateKey: forge.pki.rsa.PrivateKey;
  publicKey: forge.pki.rsa.PublicKey;
}

async function rsaKeyPair(): Promise<KeyPair> {
  const { privateKey } = await generateRsa('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  const key = forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
  return { privateKey: key, publicKey: forge.pki.setRsaPublicKey(key.n, key.e) };
}

/** Valid from an hour ago (clock skew) for ten days: a sandbox is short-lived. */
function newCertificate(publicKey: forge.pki.PublicKey, subject: forge.pki.CertificateField[], issuer: forge.pki.CertificateField[]): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  // A positive random serial (RFC 5280 §4.1.2.2): clear the top bit.
  const serial = randomBytes(16);
  serial[0] &= 0x7f;
  cert.serialNumber = serial.toString('hex');
  const now = Date.now();
  cert.validity.notBefore = new Date(now - 3_600_000);
  cert.validity.notAfter = new Date(now + 10 * 86_400_000);
  cert.setSubject(subject);
  cert.setIssuer(issuer);
  return cert;
}

/** Generates a CA and a server certificate for localhost / 127.0.0.1 signed by it. */
export async function generateSandboxCertificates(): Promise<SandboxCertificates> {
  const [caKeys, serverKeys] = await Promise.all([rsaKeyPair(), rsaKeyPair()]);
  const caName = [{ name: 'commonName', value: 'mailsh sandbox CA' }];
  const ca = newCertificate(caKeys.publicKey, caName, caName);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  ca.sign(caKeys.privateKey, forge.md.sha256.create());

  const server = newCertificate(serverKeys.publicKey, [{ name: 'commonName', value: 'localhost' }], caName);
  server.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    // Host names are checked against the SAN only (RFC 6125): 2 = DNS, 7 = IP.
    { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
  ]);
  server.sign(caKeys.privateKey, forge.md.sha256.create());

  const caPem = forge.pki.certificateToPem(ca);
  return {
    caPem,
    // The chain: leaf then CA, so clients that trust the CA see the whole path.
    certPem: forge.pki.certificateToPem(server) + caPem,
    keyPem: forge.pki.privateKeyToPem(serverKeys.privateKey),
  };
}
