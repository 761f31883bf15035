import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { ImageTree } from '../../src/core/layers/imageTree';
import { indexLayer } from '../../src/core/layers/layerIndexer';
import { modeString, percentString, sizeString } from '../../src/inspector/entryFormat';
import { contentSecurityPolicy, inspectorHtml } from '../../src/inspector/inspectorHtml';
import { pathMatcher, RowModel } from '../../src/inspector/treeRows';
import { makeTar, type TestEntry } from '../support/tarBuilder';

async function tree(...specs: TestEntry[][]): Promise<ImageTree> {
  return new ImageTree(await Promise.all(specs.map((entries) => indexLayer(Readable.from([makeTar(entries)])))));
}

const names = (t: ImageTree, rows: { nodes: Int32Array }) => [...rows.nodes].map((n) => t.paths[n]);

describe('file tree rows: filter, sort, only changes, expansion', () => {
  const base: TestEntry[] = [
    { path: 'usr', type: 'dir' }, { path: 'usr/lib', type: 'dir' }, { path: 'usr/lib/libc.so', content: 'c'.repeat(300) },
    { path: 'usr/lib/libz.so', content: 'z'.repeat(10) }, { path: 'usr/bin', type: 'dir' }, { path: 'usr/bin/sh', content: 'sh' },
    { path: 'etc', type: 'dir' }, { path: 'etc/hosts', content: 'h' },
  ];

  test('directories first, then by name; or by rolled-up size; only expanded directories open', async () => {
    const t = await tree(base);
    const model = new RowModel(t, t.view(0, 'layer'), 'name');
    assert.deepEqual(names(t, model.rows({ onlyChanges: false, sort: 'name', expanded: new Set() })), ['etc', 'usr']);
    const expanded = new Set([t.nodeOf('usr')!, t.nodeOf('usr/lib')!]);
    assert.deepEqual(names(t, model.rows({ onlyChanges: false, sort: 'name', expanded })), ['etc', 'usr', 'usr/bin', 'usr/lib', 'usr/lib/libc.so', 'usr/lib/libz.so']);
    const bySize = new RowModel(t, t.view(0, 'layer'), 'size');
    assert.deepEqual(names(t, bySize.rows({ onlyChanges: false, sort: 'size', expanded })), ['usr', 'usr/lib', 'usr/lib/libc.so', 'usr/lib/libz.so', 'usr/bin', 'etc']);
  });

  test('only changes keeps what the layer changed and the directories on the way', async () => {
    const t = await tree(base, [{ path: 'usr/bin/sh', content: 'new shell' }]);
    const model = new RowModel(t, t.view(1, 'layer'), 'name');
    const expanded = new Set([t.nodeOf('usr')!, t.nodeOf('usr/bin')!, t.nodeOf('usr/lib')!]);
    assert.deepEqual(names(t, model.rows({ onlyChanges: true, sort: 'name', expanded })), ['usr', 'usr/bin', 'usr/bin/sh']);
  });

  test('a glob matches names anywhere (or paths, with a slash); plain text is a substring of the path, any case', async () => {
    const t = await tree(base);
    const model = new RowModel(t, t.view(0, 'layer'), 'name');
    const all = new Set(Array.from({ length: t.size }, (_, i) => i));
    const filtered = (text: string) => names(t, model.rows({ onlyChanges: false, sort: 'name', matches: pathMatcher(text), expanded: all }));
    assert.deepEqual(filtered('*.so'), ['usr', 'usr/lib', 'usr/lib/libc.so', 'usr/lib/libz.so']);
    assert.deepEqual(filtered('usr/**/sh'), ['usr', 'usr/bin', 'usr/bin/sh']);
    assert.deepEqual(filtered('lib[cx].so'), ['usr', 'usr/lib', 'usr/lib/libc.so']);
    assert.deepEqual(filtered('HOSTS'), ['etc', 'etc/hosts']);
    assert.equal(pathMatcher('   '), undefined);
    const rows = model.rows({ onlyChanges: false, sort: 'name', matches: pathMatcher('*.so'), expanded: new Set() });
    assert.deepEqual([...rows.matchedDirectories!].map((n) => t.paths[n]).sort(), ['usr', 'usr/lib']);
  });
});

describe('entry formatting', () => {
  test('modes as ls shows them, sizes as docker shows them, percentages never rounded up to 100', () => {
    assert.equal(modeString('directory', 0o755), 'drwxr-xr-x');
    assert.equal(modeString('file', 0o4755), '-rwsr-xr-x');
    assert.equal(modeString('directory', 0o1777), 'drwxrwxrwt');
    assert.equal(modeString('symlink', 0o777), 'lrwxrwxrwx');
    assert.equal(sizeString(999), '999 B');
    assert.equal(sizeString(1_240_000), '1.24 MB');
    assert.equal(percentString(0.999999), '> 99.99 %');
    assert.equal(percentString(1), '100.00 %');
    assert.equal(percentString(0.575), '57.50 %');
  });
});

describe('inspector page', () => {
  test('a strict CSP: nothing by default, scripts only with the nonce, no inline styles, no remote origin', () => {
    const resources = { cspSource: 'https://webview.test', scriptUri: 'https://webview.test/dist/inspectorView.js', styleUri: 'https://webview.test/media/inspector.css', nonce: 'abc123' };
    const csp = contentSecurityPolicy(resources);
    assert.match(csp, /^default-src 'none';/);
    assert.match(csp, /script-src 'nonce-abc123'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
    const html = inspectorHtml(resources);
    assert.ok(html.includes(`<meta http-equiv="Content-Security-Policy" content="${csp}">`));
    assert.deepEqual([...html.matchAll(/<script[^>]*>/g)].map((m) => m[0]), ['<script nonce="abc123" src="https://webview.test/dist/inspectorView.js">']);
    assert.doesNotMatch(html, /style="/);
  });

  test('the layer list rides in the page base64-encoded: a hostile command cannot close the attribute', () => {
    const image = { name: 'x', history: [{ createdBy: '"><script>alert(1)</script>' }] };
    const html = inspectorHtml({ cspSource: 'c', scriptUri: 's', styleUri: 't', nonce: 'n', image });
    const content = /<meta name="stevedore-image" content="([A-Za-z0-9+/=]+)">/.exec(html)?.[1];
    assert.ok(content);
    assert.deepEqual(JSON.parse(Buffer.from(content, 'base64').toString('utf8')), image);
    assert.equal(html.match(/<script/g)?.length, 1);
  });
});
