import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { computeEfficiency } from '../../src/core/layers/efficiency';
import { ImageTree, MARK_NAMES, type CompareMode } from '../../src/core/layers/imageTree';
import type { LayerIndex } from '../../src/core/layers/layerIndex';
import { indexLayer } from '../../src/core/layers/layerIndexer';
import { makeTar, type TestEntry } from '../support/tarBuilder';

async function layers(...specs: TestEntry[][]): Promise<LayerIndex[]> {
  return Promise.all(specs.map((entries) => indexLayer(Readable.from([makeTar(entries)]))));
}

/** path → mark (and size) of every node in the view, as the panel would list them. */
function marks(tree: ImageTree, layer: number, mode: CompareMode = 'layer'): Record<string, string> {
  const view = tree.view(layer, mode);
  const out: Record<string, string> = {};
  for (let node = 1; node < tree.size; node++) {
    const mark = MARK_NAMES[view.marks[node]];
    if (mark) out[tree.paths[node]] = `${mark} ${view.sizes[node]}`;
  }
  return out;
}

describe('image tree: overlay of layers with whiteouts, marks, rolled-up sizes', () => {
  const base: TestEntry[] = [
    { path: 'app', type: 'dir' },
    { path: 'app/x', content: 'x'.repeat(1000) },
    { path: 'app/y', content: 'yy', mode: 0o644 },
    { path: 'links', type: 'dir' },
    { path: 'links/l', type: 'symlink', link: '/app/x' },
    { path: 'c', type: 'dir' },
  ];

  test('the second layer: content change, metadata change, addition, file whiteout', async () => {
    const tree = new ImageTree(await layers(base, [
      { path: 'app', type: 'dir' },
      { path: 'app/x', content: 'X'.repeat(1000) }, // same size, other content
      { path: 'app/y', content: 'yy', mode: 0o755 }, // same content, other mode
      { path: 'c/new', content: 'new!' },
      { path: 'links/.wh.l' },
    ]));
    assert.deepEqual(marks(tree, 0), {
      app: 'added 1002', 'app/x': 'added 1000', 'app/y': 'added 2', links: 'added 0', 'links/l': 'added 0', c: 'added 0',
    });
    assert.deepEqual(marks(tree, 1), {
      app: 'unchanged 1002', 'app/x': 'modified 1000', 'app/y': 'modified 2', links: 'unchanged 0', 'links/l': 'removed 0', c: 'unchanged 4', 'c/new': 'added 4',
    });
  });

  test('an opaque directory hides what the layers below put in it; a file replaces a directory', async () => {
    const tree = new ImageTree(await layers(base, [
      { path: 'app/.wh..wh..opq' },
      { path: 'app/z', content: 'zzz' },
      { path: 'c', content: 'now a file' },
    ]));
    assert.deepEqual(marks(tree, 1), {
      app: 'unchanged 3', 'app/x': 'removed 1000', 'app/y': 'removed 2', 'app/z': 'added 3', links: 'unchanged 0', 'links/l': 'unchanged 0', c: 'modified 10',
    });
  });

  test('a directory whiteout removes everything below it; the removed directory sizes what it held', async () => {
    const tree = new ImageTree(await layers(base, [{ path: 'other', content: '1' }], [{ path: '.wh.app' }]));
    const m = marks(tree, 2);
    assert.equal(m.app, 'removed 1002');
    assert.equal(m['app/x'], 'removed 1000');
    assert.equal(m.other, 'unchanged 1');
    // The tree as of layer 2 no longer has app; the snapshot of layer 1 still does.
    assert.equal(tree.snapshot(2).layer[tree.nodeOf('app')!], -1);
    assert.equal(tree.snapshot(1).layer[tree.nodeOf('app')!], 0);
  });

  test('aggregated: every change since the first layer, not only the selected one', async () => {
    const tree = new ImageTree(await layers(base, [{ path: 'one', content: '1' }], [{ path: 'two', content: '22' }, { path: 'app/.wh.y' }]));
    const layerOnly = marks(tree, 2, 'layer');
    const aggregated = marks(tree, 2, 'aggregated');
    assert.equal(layerOnly.one, 'unchanged 1');
    assert.equal(aggregated.one, 'added 1');
    assert.equal(aggregated.two, 'added 2');
    assert.equal(aggregated['app/y'], 'removed 2');
  });

  test('an entry whiteout-ed and re-added in the same layer is the new one; the same content again is unchanged', async () => {
    const tree = new ImageTree(await layers(base, [{ path: 'app/.wh.x' }, { path: 'app/x', content: 'new' }, { path: 'app/y', content: 'yy', mode: 0o644 }]));
    const m = marks(tree, 1);
    assert.equal(m['app/x'], 'modified 3');
    assert.equal(m['app/y'], 'unchanged 2');
  });

  test('hostile names stay literal nodes: `..`, markup, an absolute path', async () => {
    const tree = new ImageTree(await layers([
      { path: '../../etc/passwd', content: 'root' },
      { path: '<img src=x onerror=alert(1)>', content: 'x' },
      { path: '/abs//path/./f', content: 'a' },
    ]));
    assert.deepEqual(Object.keys(marks(tree, 0)).sort(), ['..', '../..', '../../etc', '../../etc/passwd', '<img src=x onerror=alert(1)>', 'abs', 'abs/path', 'abs/path/f']);
    assert.equal(tree.names[tree.nodeOf('<img src=x onerror=alert(1)>')!], '<img src=x onerror=alert(1)>');
  });

  test('layers can arrive in any order; node ids stay', async () => {
    const [l0, l1] = await layers(base, [{ path: 'app/x', content: 'changed' }]);
    const tree = new ImageTree([undefined, l1]);
    const x = tree.nodeOf('app/x');
    assert.equal(tree.ready(1), false);
    tree.setLayer(0, l0);
    assert.equal(tree.ready(1), true);
    assert.equal(tree.nodeOf('app/x'), x);
    assert.equal(marks(tree, 1)['app/x'], 'modified 7');
  });
});

describe('efficiency and wasted bytes, as dive computes them', () => {
  test('a worked example: a file rewritten twice, a file deleted, a directory deleted, a file added twice', async () => {
    const tree = new ImageTree(await layers(
      [
        { path: 'a', content: 'a'.repeat(100) },
        { path: 'd', type: 'dir' },
        { path: 'd/f1', content: '1'.repeat(50) },
        { path: 'd/f2', content: '2'.repeat(70) },
        { path: 'k', content: 'k'.repeat(10) },
      ],
      [{ path: 'a', content: 'b'.repeat(120) }, { path: '.wh.k' }, { path: 'n', content: 'nnnnn' }],
      [{ path: '.wh.d' }, { path: 'a', content: 'b'.repeat(120) }, { path: 'n', content: 'nnnnn' }],
    ));
    const e = computeEfficiency(tree);
    // Per path, sizes over the layers: /a 100+120+120, /k 10+0, /n 5+5, /d (whiteout of a
    // directory holding 120 bytes, counted once), /d/f1 50, /d/f2 70.
    // minimum: 100 + 0 + 5 + 120 + 50 + 70 = 345; cumulative: 340 + 10 + 10 + 120 + 50 + 70 = 600.
    assert.equal(e.score, 345 / 600);
    assert.equal(e.wastedBytes, 340 + 10 + 10);
    assert.equal(e.sizeBytes, 230 + 125 + 125);
    assert.equal(e.userSizeBytes, 250);
    assert.equal(e.userWastedPercent, 360 / 250);
    assert.deepEqual(e.inefficiencies, [
      { path: '/a', count: 3, wastedBytes: 340 },
      { path: '/k', count: 2, wastedBytes: 10 },
      { path: '/n', count: 2, wastedBytes: 10 },
    ]);
  });

  test('an image without waste scores 1; directories are not leaves where they hold something', async () => {
    const tree = new ImageTree(await layers(
      [{ path: 'usr', type: 'dir' }, { path: 'usr/bin', type: 'dir' }, { path: 'usr/bin/a', content: 'aaa' }],
      [{ path: 'usr', type: 'dir' }, { path: 'usr/bin', type: 'dir' }, { path: 'usr/bin/b', content: 'bb' }],
    ));
    const e = computeEfficiency(tree);
    assert.equal(e.score, 1);
    assert.equal(e.wastedBytes, 0);
    assert.deepEqual(e.inefficiencies, []);
  });

  test('a whiteout and a new file of the same name in one layer are two of dive\'s nodes', async () => {
    const tree = new ImageTree(await layers([{ path: 'f', content: '1234' }], [{ path: '.wh.f' }, { path: 'f', content: '12' }]));
    const e = computeEfficiency(tree);
    assert.deepEqual(e.inefficiencies, [{ path: '/f', count: 3, wastedBytes: 6 }]);
    assert.equal(e.score, 0 / 6);
  });
});
