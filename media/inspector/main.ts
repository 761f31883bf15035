import { computeEfficiency } from '../../src/core/layers/efficiency';
import type { ImageDescription } from '../../src/core/layers/imageSource';
import { ImageTree, MARK, MARK_NAMES, type TreeView } from '../../src/core/layers/imageTree';
import { decodeLayerIndex, ENTRY_KINDS, hashHex, KIND } from '../../src/core/layers/layerIndex';
import { modeString, sizeString } from '../../src/inspector/entryFormat';
import type { DockerfileLink, HostMessage, ViewMessage } from '../../src/inspector/messages';
import { ancestors, isDirectory, pathMatcher, RowModel, type Rows } from '../../src/inspector/treeRows';
import { byId, el, fill } from './dom';
import { VirtualTree, type TreeRowData } from './fileTree';
import { LayerList } from './layerList';

declare function acquireVsCodeApi(): { postMessage(message: ViewMessage): void };
const host = acquireVsCodeApi();

const filterInput = byId<HTMLInputElement>('filter');
const onlyChangesBox = byId<HTMLInputElement>('only-changes');
const aggregatedBox = byId<HTMLInputElement>('aggregated');
const sortSelect = byId<HTMLSelectElement>('sort');
const treeElement = byId('tree');
const treeMessage = byId('tree-message');
const details = byId('details');
const status = byId('status');

let description: ImageDescription | undefined;
let tree: ImageTree | undefined;
let selected = 0;
let view: TreeView | undefined;
let model: RowModel | undefined;
let rows: Rows | undefined;
let expanded = new Set<number>();
let matches: ((path: string) => boolean) | undefined;
const failed = new Map<number, string>();
let arrived = 0;
/** Milliseconds the webview spent decoding and adding layers, and when the first one came. */
let layerWork = 0;
let firstLayerAt = 0;

const list = new LayerList(byId('layers'), byId('summary'), {
  select: (layer) => selectLayer(layer),
  openDockerfile: (step) => host.postMessage({ type: 'openDockerfile', step }),
  reveal: (path) => reveal(path),
});

const files = new VirtualTree(treeElement, {
  row: (index) => rowData(index),
  toggle: (index, open) => toggle(index, open),
  parent: (index) => {
    const depth = rows!.depths[index];
    for (let i = index - 1; i >= 0; i--) if (rows!.depths[i] < depth) return i;
    return undefined;
  },
  focused: (index) => showDetails(rows!.nodes[index]),
  typed: (text) => {
    filterInput.focus();
    filterInput.value += text;
    applyFilter();
  },
});

function rowData(index: number): TreeRowData {
  const node = rows!.nodes[index];
  const mark = MARK_NAMES[view!.marks[node]] ?? 'unchanged';
  const entry = tree!.entryOf(mark === 'removed' ? view!.base : view!.top, node);
  const kind = entry ? ENTRY_KINDS[entry.index.kinds[entry.entry]] : 'directory';
  return {
    name: tree!.names[node],
    depth: rows!.depths[index],
    directory: isDirectory(tree!, view!, node),
    expanded: expanded.has(node),
    mark,
    size: sizeString(view!.sizes[node]),
    mode: entry ? modeString(kind, entry.index.modes[entry.entry]) : 'd?????????',
    owner: entry ? `${entry.index.uids[entry.entry]}:${entry.index.gids[entry.entry]}` : '',
    link: entry ? entry.index.links[entry.entry] : '',
    path: `/${tree!.paths[node]}`,
  };
}

/** Rows again after a change; focus stays on the same node when it is still shown. */
function rebuildRows(focusNode?: number): void {
  if (!model) return;
  const keep = focusNode ?? (rows && files.focusedIndex >= 0 ? rows.nodes[files.focusedIndex] : undefined);
  rows = model.rows({ onlyChanges: onlyChangesBox.checked, sort: model.sort, matches, expanded });
  const at = keep === undefined ? -1 : rows.nodes.indexOf(keep);
  files.setRows(rows.count, at >= 0 ? at : rows.count ? 0 : -1);
  treeMessage.hidden = rows.count > 0;
  treeMessage.textContent = rows.count ? '' : matches ? 'No path in this layer matches the filter.' : onlyChangesBox.checked ? 'This layer changes no files.' : 'This layer holds no files.';
  if (at >= 0) showDetails(keep!);
}

function refreshView(): void {
  if (!tree || !description) return;
  const step = description.history.find((h) => h.layer === selected);
  treeElement.setAttribute('aria-label', `Files as of layer ${selected + 1}${step ? `: ${step.createdBy}` : ''}`);
  const missing = [...failed.keys()].filter((l) => l <= selected);
  if (missing.length) {
    model = view = rows = undefined;
    files.setRows(0);
    treeMessage.hidden = false;
    treeMessage.textContent = `Layer ${missing[0] + 1} could not be read, so the files as of this layer are unknown: ${failed.get(missing[0])}`;
    return;
  }
  if (!tree.ready(selected)) {
    model = view = rows = undefined;
    files.setRows(0);
    treeMessage.hidden = false;
    treeMessage.textContent = 'Reading the layers up to this one…';
    return;
  }
  view = tree.view(selected, aggregatedBox.checked ? 'aggregated' : 'layer');
  model = new RowModel(tree, view, sortSelect.value === 'size' ? 'size' : 'name');
  if (matches) expandMatches();
  rebuildRows();
}

function selectLayer(layer: number): void {
  selected = layer;
  list.select(layer);
  refreshView();
}

function toggle(index: number, open?: boolean): void {
  const node = rows!.nodes[index];
  const isOpen = expanded.has(node);
  if (open === isOpen) return;
  if (isOpen) expanded.delete(node);
  else expanded.add(node);
  rebuildRows(node);
}

function expandMatches(): void {
  const found = model!.rows({ onlyChanges: onlyChangesBox.checked, sort: model!.sort, matches, expanded: new Set() }).matchedDirectories;
  expanded = new Set([...expanded, ...(found ?? [])]);
}

let filterTimer = 0;
function applyFilter(): void {
  clearTimeout(filterTimer);
  filterTimer = window.setTimeout(() => {
    matches = pathMatcher(filterInput.value);
    if (model && matches) expandMatches();
    rebuildRows();
  }, 60);
}

function showDetails(node: number): void {
  if (!view || !tree) return;
  const removed = view.marks[node] === MARK.removed;
  const entry = tree.entryOf(removed ? view.base : view.top, node);
  const facts: [string, string][] = [['Path', `/${tree.paths[node]}`], ['Change', MARK_NAMES[view.marks[node]] ?? '']];
  if (entry) {
    const { index, entry: e } = entry;
    const kind = ENTRY_KINDS[index.kinds[e]];
    facts.push(
      ['Type', kind],
      ['Size', `${sizeString(view.sizes[node])}${index.kinds[e] === KIND.file ? ` (${index.sizes[e].toLocaleString('en-US')} bytes)` : ''}`],
      ['Mode', `${modeString(kind, index.modes[e])} (${(index.modes[e] & 0o7777).toString(8).padStart(4, '0')})`],
      ['Owner', `${index.uids[e]}:${index.gids[e]}`],
      ['Modified', new Date(index.mtimes[e]).toISOString()],
      [removed ? 'Last set by' : 'Set by', `layer ${entry.layer + 1}`],
    );
    if (index.links[e]) facts.push(['Link to', index.links[e]]);
    if (hashHex(index, e)) facts.push(['sha256', hashHex(index, e)]);
  } else {
    facts.push(['Type', 'directory (no entry of its own: made for what is below it)']);
  }
  if (tree.names[node] === '..' || tree.paths[node].split('/').includes('..')) facts.push(['Warning', 'this name climbs out of the image\'s root (`..`): a runtime refuses it']);
  const dl = el('dl');
  for (const [term, value] of facts) dl.append(el('dt', {}, term), el('dd', {}, value));
  fill(details, [dl]);
}

/** Selects the last layer that wrote or deleted the path, opens its directories and focuses it. */
function reveal(path: string): void {
  if (!tree) return;
  const node = tree.nodeOf(path.replace(/^\/+/, ''));
  if (node === undefined) return;
  let layer = -1;
  for (let l = tree.layerCount - 1; l >= 0 && layer < 0; l--) {
    const index = tree.layer(l);
    for (let e = 0; index && e < index.count; e++) {
      if (tree.entryNode(l, e) === node) {
        layer = l;
        break;
      }
    }
  }
  if (layer < 0) return;
  if (matches && !matches(tree.paths[node])) {
    filterInput.value = '';
    matches = undefined;
  }
  aggregatedBox.checked = false;
  for (const a of ancestors(tree, node)) expanded.add(a);
  selectLayer(layer);
  rebuildRows(node);
  treeElement.focus();
}

function summarize(): void {
  if (!tree || !description || failed.size || !tree.ready(tree.layerCount - 1)) {
    list.setSummary(undefined, failed.size ? 'No summary: a layer could not be read.' : undefined);
    return;
  }
  const efficiency = computeEfficiency(tree);
  const last = tree.snapshot(tree.layerCount - 1);
  let count = 0;
  for (let node = 1; node < tree.size; node++) {
    const entry = tree.entryOf(last, node);
    if (entry && entry.index.kinds[entry.entry] !== KIND.directory) count++;
  }
  list.setSummary({
    totalSize: efficiency.sizeBytes,
    files: count,
    wastedBytes: efficiency.wastedBytes,
    efficiency: efficiency.score,
    userWastedPercent: efficiency.userWastedPercent,
    topWasted: efficiency.inefficiencies.filter((i) => i.wastedBytes > 0).slice(0, 10),
  });
}

function setImage(next: ImageDescription, dockerfile: DockerfileLink | undefined): void {
  const first = !description;
  description = next;
  byId('title').textContent = next.name;
  byId('origin').textContent = [next.origin, next.os && `${next.os}/${next.architecture ?? '?'}`, `${next.layers.length} layers`].filter(Boolean).join(' · ');
  if (first || tree?.layerCount !== next.layers.length) tree = new ImageTree(next.layers.map(() => undefined));
  list.setImage(next, dockerfile);
  if (first) {
    requestAnimationFrame(() => host.postMessage({ type: 'painted', what: 'layers', at: Date.now() }));
    status.textContent = next.layers.length ? `Reading ${next.layers.length} layers…` : 'This image has no layers.';
  }
  refreshView();
}

window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  const message = event.data;
  switch (message.type) {
    case 'image':
      setImage(message.description, message.dockerfile);
      break;
    case 'progress':
      list.setState(message.layer, { kind: 'pending', storedBytes: message.storedBytes });
      break;
    case 'layer': {
      const received = performance.now();
      firstLayerAt ||= Date.now();
      const index = decodeLayerIndex(message.data);
      tree?.setLayer(message.layer, index);
      layerWork += performance.now() - received;
      list.setState(message.layer, { kind: 'ready', size: index.meta.fileBytes, entries: index.count, cached: message.cached });
      status.textContent = `Read ${++arrived} of ${description?.layers.length ?? 0} layers`;
      if (message.layer <= selected && tree?.ready(selected)) refreshView();
      break;
    }
    case 'layerFailed':
      failed.set(message.layer, message.message);
      list.setState(message.layer, { kind: 'failed', message: message.message });
      if (message.layer <= selected) refreshView();
      break;
    case 'done':
      status.textContent = failed.size ? `${failed.size} of ${description?.layers.length ?? 0} layers could not be read` : `All ${description?.layers.length ?? 0} layers read`;
      // After the current paint: the score walks every layer once.
      setTimeout(() => {
        const started = performance.now();
        summarize();
        const detail = `webview: layers decoded and stacked in ${Math.round(layerWork)} ms, summary in ${Math.round(performance.now() - started)} ms, first layer arrived ${firstLayerAt ? Date.now() - firstLayerAt : 0} ms before this`;
        host.postMessage({ type: 'painted', what: 'index', at: Date.now(), detail });
      });
      break;
    case 'failed':
      status.textContent = '';
      treeMessage.hidden = false;
      treeMessage.textContent = message.message;
      list.setSummary(undefined, 'No summary: the image could not be read.');
      break;
  }
});

filterInput.addEventListener('input', applyFilter);
filterInput.addEventListener('keydown', (e) => {
  if (e.key === 'Escape') {
    filterInput.value = '';
    applyFilter();
    treeElement.focus();
  } else if (e.key === 'ArrowDown' || e.key === 'Enter') {
    e.preventDefault();
    treeElement.focus();
  }
});
onlyChangesBox.addEventListener('change', () => rebuildRows());
aggregatedBox.addEventListener('change', refreshView);
sortSelect.addEventListener('change', refreshView);

// The layer list in the page, when the host had it: painted before any message.
const embedded = document.querySelector<HTMLMetaElement>('meta[name="stevedore-image"]')?.content;
if (embedded) setImage(JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(embedded), (c) => c.charCodeAt(0)))) as ImageDescription, undefined);
host.postMessage({ type: 'ready' });
