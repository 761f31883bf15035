import type { ImageDescription } from '../../src/core/layers/imageSource';
import { percentString, shortDigest, sizeString } from '../../src/inspector/entryFormat';
import type { DockerfileLink } from '../../src/inspector/messages';
import { el, fill } from './dom';

export type LayerState =
  | { readonly kind: 'pending'; readonly storedBytes: number }
  | { readonly kind: 'ready'; readonly size: number; readonly entries: number; readonly cached: boolean }
  | { readonly kind: 'failed'; readonly message: string };

export interface Summary {
  readonly totalSize: number;
  readonly files: number;
  readonly wastedBytes: number;
  readonly efficiency: number;
  readonly userWastedPercent: number;
  readonly topWasted: readonly { readonly path: string; readonly count: number; readonly wastedBytes: number }[];
}

export interface LayerListCallbacks {
  select(layer: number): void;
  openDockerfile(step: number): void;
  reveal(path: string): void;
}

/** The instruction as a person reads it: without the shell prefix and builder markers. */
function instructionText(createdBy: string, comment?: string): string {
  const text = createdBy.replace(/\s+/g, ' ').trim().replace(/^\/bin\/sh -c #\(nop\) ?/, '').replace(/^\/bin\/sh -c /, 'RUN ').replace(/ # buildkit$/, '');
  return text || comment || '(no history)';
}

/** The layers, in order, each with its size, instruction and digest; steps that made no layer greyed; the summary below. */
export class LayerList {
  private description: ImageDescription | undefined;
  private readonly states = new Map<number, LayerState>();
  private selected = -1;
  private readonly rows = new Map<number, HTMLElement>();

  constructor(
    private readonly list: HTMLElement,
    private readonly summary: HTMLElement,
    private readonly callbacks: LayerListCallbacks,
  ) {
    list.addEventListener('keydown', (e) => {
      const count = this.description?.layers.length ?? 0;
      const to = e.key === 'ArrowDown' ? this.selected + 1 : e.key === 'ArrowUp' ? this.selected - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? count - 1 : undefined;
      if (to === undefined || to < 0 || to >= count) return;
      e.preventDefault();
      this.callbacks.select(to);
    });
  }

  setImage(description: ImageDescription, dockerfile: DockerfileLink | undefined): void {
    this.description = description;
    this.rows.clear();
    const rows = description.history.map((step, s) => {
      const row = el('div', { class: step.layer === undefined ? 'step empty' : 'step' });
      row.title = step.createdBy || step.comment || '(no history recorded for this layer)';
      const index = el('span', { class: 'index' }, step.layer === undefined ? '' : String(step.layer + 1));
      const size = el('span', { class: 'size' });
      const command = el('span', { class: 'command' }, instructionText(step.createdBy, step.comment));
      const digest = el('span', { class: 'digest' }, step.layer === undefined ? 'no layer' : shortDigest(description.layers[step.layer].diffId));
      const state = el('span', { class: 'state' });
      row.append(index, size, command, digest, state);
      const line = dockerfile?.lines[s];
      if (line !== undefined && line !== null) {
        const link = el('button', { class: 'dockerfile-link', type: 'button', title: `Open ${dockerfile!.label} at line ${line + 1}` }, `${dockerfile!.label}:${line + 1}`);
        link.addEventListener('click', (e) => {
          e.stopPropagation();
          this.callbacks.openDockerfile(s);
        });
        row.append(link);
      }
      if (step.layer !== undefined) {
        const layer = step.layer;
        row.id = `layer-${layer}`;
        row.setAttribute('role', 'option');
        row.addEventListener('click', () => this.callbacks.select(layer));
        this.rows.set(layer, row);
      } else {
        row.setAttribute('role', 'presentation');
      }
      return row;
    });
    fill(this.list, rows);
    for (const [layer] of this.rows) this.paintState(layer);
    this.select(this.selected < 0 ? 0 : this.selected);
  }

  setState(layer: number, state: LayerState): void {
    this.states.set(layer, state);
    this.paintState(layer);
  }

  select(layer: number): void {
    this.selected = layer;
    for (const [l, row] of this.rows) {
      row.setAttribute('aria-selected', String(l === layer));
      row.classList.toggle('selected', l === layer);
    }
    const row = this.rows.get(layer);
    if (row) {
      this.list.setAttribute('aria-activedescendant', row.id);
      row.scrollIntoView({ block: 'nearest' });
    }
  }

  setSummary(summary: Summary | undefined, problem?: string): void {
    if (!summary) {
      fill(this.summary, [el('p', { class: 'muted' }, problem ?? 'The summary appears once every layer is read.')]);
      return;
    }
    const facts = el('dl', { class: 'facts' });
    for (const [term, value] of [
      ['Total size', sizeString(summary.totalSize)],
      ['Files', summary.files.toLocaleString('en-US')],
      ['Wasted', sizeString(summary.wastedBytes)],
      ['Efficiency', percentString(summary.efficiency)],
      ['User wasted', percentString(summary.userWastedPercent)],
    ]) facts.append(el('dt', {}, term), el('dd', {}, value));
    const children: Node[] = [facts];
    if (summary.topWasted.length) {
      children.push(el('h3', {}, 'Top wasted files'));
      const list = el('ol', { class: 'wasted' });
      for (const item of summary.topWasted) {
        const button = el('button', { type: 'button', class: 'reveal', title: `Reveal ${item.path} in the tree` });
        button.append(el('span', { class: 'wasted-size' }, sizeString(item.wastedBytes)), el('span', { class: 'wasted-count' }, `×${item.count}`), el('span', { class: 'wasted-path' }, item.path));
        button.addEventListener('click', () => this.callbacks.reveal(item.path));
        const li = el('li');
        li.append(button);
        list.append(li);
      }
      children.push(list);
    } else {
      children.push(el('p', { class: 'muted' }, 'No wasted files: nothing is overwritten or deleted by a later layer.'));
    }
    fill(this.summary, children);
  }

  private paintState(layer: number): void {
    const row = this.rows.get(layer);
    if (!row) return;
    const state = this.states.get(layer);
    const size = row.querySelector<HTMLElement>('.size')!;
    const badge = row.querySelector<HTMLElement>('.state')!;
    row.classList.toggle('failed', state?.kind === 'failed');
    if (!state || state.kind === 'pending') {
      const stored = this.description?.layers[layer].storedSize;
      size.textContent = stored ? sizeString(stored) : '';
      badge.textContent = state && stored ? `reading ${Math.min(99, Math.floor((100 * state.storedBytes) / stored))} %` : 'reading…';
      badge.title = '';
    } else if (state.kind === 'ready') {
      size.textContent = sizeString(state.size);
      badge.textContent = state.cached ? 'cached' : '';
      badge.title = `${state.entries.toLocaleString('en-US')} entries`;
    } else {
      size.textContent = '';
      badge.textContent = 'unreadable';
      badge.title = state.message;
    }
  }
}
