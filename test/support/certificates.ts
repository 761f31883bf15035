import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });

/**
 * A CA and the certificates a TLS dockerd and its client need, made with openssl in `dir`:
 * ca.pem, server-cert.pem/server-key.pem (for IP 127.0.0.1), cert.pem/key.pem (the client), laid
 * out as DOCKER_CERT_PATH expects them.
 */
export function makeCertificates(dir: string, caName = 'stevedore-test-ca'): void {
  fs.mkdirSync(dir, { recursive: true });
  const at = (f: string) => path.join(dir, f);
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${caName}`, '-keyout', at('ca-key.pem'), '-out', at('ca.pem'));
  const sign = (name: string, subject: string, extensions: string) => {
    fs.writeFileSync(at(`${name}.ext`), extensions);
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', subject, '-keyout', at(`${name}-key.pem`), '-out', at(`${name}.csr`));
    openssl('x509', '-req', '-in', at(`${name}.csr`), '-CA', at('ca.pem'), '-CAkey', at('ca-key.pem'), '-CAcreateserial', '-days', '1', '-extfile', at(`${name}.ext`), '-out', at(`${name}-cert.pem`));
  };
  sign('server', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  sign('client', '/CN=stevedore-test-client', 'extendedKeyUsage=clientAuth\n');
  fs.renameSync(at('client-cert.pem'), at('cert.pem'));
  fs.renameSync(at('client-key.pem'), at('key.pem'));
}
