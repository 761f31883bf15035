import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { DockerCredentialStore, parseHelperReply } from '../../src/core/registry/dockerCredentials';
import { FUZZ_MS, fuzz, mutateBytes } from '../support/fuzz';
import { assertClean, SECRET } from '../support/hostile';

const auth = Buffer.from(`me:${SECRET}`).toString('base64');
const CONFIG = Buffer.from(JSON.stringify({
  auths: { 'registry.example.com': { auth }, 'other.example.com': { username: 'me', password: SECRET }, 'ghcr.io': { identitytoken: SECRET } },
  credHelpers: { 'helped.example.com': 'nonexistent-helper' },
  currentContext: 'default',
}, null, '\t'));
const REPLY = Buffer.from(JSON.stringify({ ServerURL: 'registry.example.com', Username: 'me', Secret: SECRET }));
const INTERESTING = ['"', '{', '}', '[', ']', ',', ':', 'null', '0', '-1e999', '"\\u0000"', '\\', '\x1b[2J', 'true', '\n', SECRET].map((s) => Buffer.from(s));
const HOSTS = ['registry.example.com', 'other.example.com', 'ghcr.io', 'docker.io'];

/** A rejection the user may read: an Error with a clean one-line message that quotes none of the input. */
function assertCleanError(err: unknown, input: Buffer): void {
  assert.ok(err instanceof Error, `threw a non-Error: ${String(err)}`);
  assertClean(err.message, 'the error');
  assert.ok(!err.message.includes(auth.slice(0, 12)), `the error quotes the auth entry: ${err.message}`);
  assert.doesNotMatch(err.message, /Unexpected token|Unexpected non-whitespace|" is not valid JSON|Cannot|undefined|\[object/, `a raw JavaScript error: ${err.message}`);
  for (const line of input.toString('utf8').split('\n')) if (line.trim().length > 12) assert.ok(!err.message.includes(line.trim()), `the error quotes the input: ${err.message}`);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-config-fuzz-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('docker config.json: any mutation gives credentials or a clean error that never shows the secret', async () => {
  const store = new DockerCredentialStore(dir);
  const savedPath = process.env.PATH;
  process.env.PATH = dir; // a helper named by a mutated config is not found, quickly
  try {
    const cases = await fuzz('config.json', async (n, random) => {
      const input = mutateBytes(random, CONFIG, INTERESTING);
      fs.writeFileSync(store.configFile, input);
      try {
        await store.get(HOSTS[n % HOSTS.length]);
      } catch (err) {
        assertCleanError(err, input);
      }
    }, FUZZ_MS / 2);
    assert.ok(cases > 50, `only ${cases} cases ran`);
  } finally {
    process.env.PATH = savedPath;
  }
});

test('credential helper output: any mutation gives credentials or a clean error that never shows the secret', async () => {
  const cases = await fuzz('helper reply', (_n, random) => {
    const input = mutateBytes(random, REPLY, INTERESTING);
    try {
      const creds = parseHelperReply(input.toString('utf8'), 'fuzz');
      if (creds) assert.ok(['username', 'password', 'identityToken'].some((k) => k in creds));
    } catch (err) {
      assertCleanError(err, input);
    }
  }, FUZZ_MS / 2);
  assert.ok(cases > 100, `only ${cases} cases ran`);
});

test('the errors say which file or helper and what is wrong, with the place but not the text', async () => {
  const store = new DockerCredentialStore(dir);
  fs.writeFileSync(store.configFile, `{\n  "auths": {\n    "r.example.com": { "password": ${SECRET} }\n  }\n}\n`);
  await assert.rejects(store.get('r.example.com'), (err: Error) => {
    assert.equal(err.message, `${store.configFile} is not valid JSON`);
    return true;
  });
  fs.writeFileSync(store.configFile, `{\n  "auths": {\n    "r.example.com": { "password": "${SECRET}", }\n  }\n}\n`);
  await assert.rejects(store.get('r.example.com'), { message: `${store.configFile} is not valid JSON (line 3, column 61)` });
  fs.writeFileSync(store.configFile, `{"auths": {"r.example.com": {"password": "${SECRET}`);
  await assert.rejects(store.get('r.example.com'), { message: new RegExp(`is not valid JSON \\(line 1, column \\d+\\)$`) });
  assert.throws(() => parseHelperReply(`${SECRET}\n`, 'pass'), { message: 'docker-credential-pass answered something that is not JSON' });
  assert.throws(() => parseHelperReply(`{"Username": 5, "Secret": "${SECRET}"}`, 'pass'), /docker-credential-pass answered JSON that is not/);
});
