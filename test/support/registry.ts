import fs from 'node:fs';
import https from 'node:https';

/** The two registries the test services run: plain HTTP, and TLS + htpasswd. */
export function registriesMissing(): string | undefined {
  const need = ['STEVEDORE_TEST_REGISTRY', 'STEVEDORE_TEST_SECURE_REGISTRY', 'STEVEDORE_TEST_REGISTRY_USER', 'STEVEDORE_TEST_REGISTRY_PASS', 'STEVEDORE_TEST_REGISTRY_CA'];
  const absent = need.filter((n) => !process.env[n]);
  return absent.length ? `${absent.join(', ')} not set (no test registries)` : undefined;
}

export const plainRegistry = () => process.env.STEVEDORE_TEST_REGISTRY!;
export const secureRegistry = () => process.env.STEVEDORE_TEST_SECURE_REGISTRY!;
export const registryUser = () => process.env.STEVEDORE_TEST_REGISTRY_USER!;
export const registryPassword = () => process.env.STEVEDORE_TEST_REGISTRY_PASS!;

/** The tags a repository has, asked of the registry directly (TLS verified with the test CA). */
export async function registryTags(registry: string, repository: string, secure: boolean): Promise<string[]> {
  const path = `/v2/${repository}/tags/list`;
  if (!secure) {
    const r = await fetch(`http://${registry}${path}`);
    return r.ok ? ((await r.json()) as { tags: string[] | null }).tags ?? [] : [];
  }
  const [host, port] = registry.split(':');
  const body = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = https.get({ host, port: Number(port), path, ca: fs.readFileSync(process.env.STEVEDORE_TEST_REGISTRY_CA!), auth: `${registryUser()}:${registryPassword()}` }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
  });
  return body.status === 200 ? (JSON.parse(body.text) as { tags: string[] | null }).tags ?? [] : [];
}
