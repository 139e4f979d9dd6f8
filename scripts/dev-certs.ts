import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as never);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').trim();
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** A development CA and a server certificate it signed, as PEM. */
export interface DevCertificates {
  caCert: string;
  cert: string;
  key: string;
}

/**
 * Makes a throwaway certificate authority and a certificate for localhost,
 * 127.0.0.1 and ::1, valid 90 days. For development and tests only: trust
 * `ca.pem` in the client that should accept the server.
 */
export async function makeDevCertificates(now = new Date()): Promise<DevCertificates> {
  const notAfter = new Date(now.getTime() + 90 * 86400_000);
  const caKeys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=Bastion development CA',
    notBefore: now,
    notAfter,
    keys: caKeys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const serverKeys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const server = await x509.X509CertificateGenerator.create({
    serialNumber: '02',
    subject: 'CN=localhost',
    issuer: ca.subject,
    notBefore: now,
    notAfter,
    signingKey: caKeys.privateKey,
    publicKey: serverKeys.publicKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: 'localhost' },
        { type: 'ip', value: '127.0.0.1' },
        { type: 'ip', value: '::1' },
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const key = pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', serverKeys.privateKey));
  return { caCert: ca.toString('pem') + '\n', cert: server.toString('pem') + '\n', key };
}

// `npm run certs:dev`: writes .data/certs/{ca.pem,server.pem,server-key.pem}.
if (require.main === module) {
  void (async () => {
    const dir = process.argv[2] ?? '.data/certs';
    const certs = await makeDevCertificates();
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(join(dir, 'ca.pem'), certs.caCert);
    writeFileSync(join(dir, 'server.pem'), certs.cert);
    writeFileSync(join(dir, 'server-key.pem'), certs.key, { mode: 0o600 });
    console.log(
      [
        `Wrote ${dir}/ca.pem, server.pem and server-key.pem (valid 90 days).`,
        `Serve HTTPS:  TLS_CERT_FILE=${dir}/server.pem TLS_KEY_FILE=${dir}/server-key.pem npm start`,
        `Then:         curl --cacert ${dir}/ca.pem https://localhost:3000/health/ready`,
      ].join('\n'),
    );
  })();
}
