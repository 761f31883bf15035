import { el } from './dom';

/** What one row of the file tree shows; names and link targets are text from the image. */
export interface TreeRowData {
  readonly name: string;
  readonly depth: number;
  readonly directory: boolean;
  readonly expanded: boolean;
  readonly mark: 'unchanged' | 'added' | 'modified' | 'removed';
  readonly size: string;
  readonly mode: string;
  readonly owner: string;
  readonly link: string;
  /** The full path, on hover. */
  readonly path: string;
}

export interface TreeCallbacks {
  row(index: number): TreeRowData;
  /** Open or close a directory row (open: true/false, or undefined to toggle). */
  toggle(index: number, open?: boolean): void;
  /** Moves focus to the parent row of `index`, if any; returns its index. */
  parent(index: number): number | undefined;
  focused(index: number): void;
  /** A printable key typed in the tree: the filter takes it. */
  typed(text: string): void;
}

const ROW_HEIGHT = 22;
const OVERSCAN = 10;
const MARK_LETTER = { unchanged: '', added: 'A', modified: 'M', removed: 'D' } as const;
const MARK_WORD = { unchanged: 'unchanged', added: 'added', modified: 'modified', removed: 'removed' } as const;

interface RowElements {
  readonly row: HTMLDivElement;
  readonly twistie: HTMLSpanElement;
  readonly name: HTMLSpanElement;
  readonly link: HTMLSpanElement;
  readonly size: HTMLSpanElement;
  readonly mode: HTMLSpanElement;
  readonly owner: HTMLSpanElement;
  readonly mark: HTMLSpanElement;
}

/**
 * A virtualized tree: however many rows there are, only those in sight (and a few around) exist
 * in the DOM, reused as the tree scrolls. Keyboard as in VS Code's trees (arrows, Home/End,
 * PageUp/PageDown, Enter/Space), `role="tree"` with the focused row as the active descendant.
 */
export class VirtualTree {
  private count = 0;
  private focus = -1;
  private readonly spacer: HTMLDivElement;
  private readonly pool: RowElements[] = [];
  private frame = 0;

  constructor(private readonly container: HTMLElement, private readonly callbacks: TreeCallbacks) {
    this.spacer = el('div', { class: 'spacer' });
    container.replaceChildren(this.spacer);
    container.addEventListener('scroll', () => this.schedule());
    new ResizeObserver(() => this.schedule()).observe(container);
    container.addEventListener('keydown', (e) => this.onKey(e));
    container.addEventListener('focus', () => {
      if (this.focus < 0 && this.count) this.setFocus(0);
    });
  }

  get focusedIndex(): number {
    return this.focus;
  }

  get rowCount(): number {
    return this.count;
  }

  /** New rows (after a change of layer, mode, filter, sort or expansion); focus moves to `focus` if given. */
  setRows(count: number, focus?: number): void {
    this.count = count;
    this.spacer.style.height = `${count * ROW_HEIGHT}px`;
    this.focus = Math.min(focus ?? this.focus, count - 1);
    this.render();
    if (focus !== undefined) this.reveal(this.focus);
    this.updateActive();
  }

  setFocus(index: number): void {
    if (index < 0 || index >= this.count) return;
    this.focus = index;
    this.reveal(index);
    this.render();
    this.updateActive();
    this.callbacks.focused(index);
  }

  private reveal(index: number): void {
    if (index < 0) return;
    const top = index * ROW_HEIGHT;
    const view = this.container.clientHeight;
    if (top < this.container.scrollTop) this.container.scrollTop = top;
    else if (top + ROW_HEIGHT > this.container.scrollTop + view) this.container.scrollTop = top + ROW_HEIGHT - view;
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  private render(): void {
    const first = Math.max(0, Math.floor(this.container.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(this.count - 1, Math.ceil((this.container.scrollTop + this.container.clientHeight) / ROW_HEIGHT) + OVERSCAN);
    const needed = Math.max(0, last - first + 1);
    while (this.pool.length < needed) this.pool.push(this.makeRow());
    // Only the rows in sight exist: the others leave the DOM (and the accessibility tree).
    for (const extra of this.pool.splice(needed)) extra.row.remove();
    for (let i = 0; i < needed; i++) this.fillRow(this.pool[i], first + i);
  }

  private makeRow(): RowElements {
    const row = el('div', { class: 'row', role: 'treeitem' });
    const elements: RowElements = {
      row,
      twistie: el('span', { class: 'twistie', 'aria-hidden': 'true' }),
      name: el('span', { class: 'name' }),
      link: el('span', { class: 'link' }),
      size: el('span', { class: 'size' }),
      mode: el('span', { class: 'mode' }),
      owner: el('span', { class: 'owner' }),
      mark: el('span', { class: 'mark', 'aria-hidden': 'true' }),
    };
    const cell = el('span', { class: 'cell-name' });
    cell.append(elements.twistie, elements.name, elements.link);
    row.append(cell, elements.size, elements.mode, elements.owner, elements.mark);
    row.addEventListener('click', (e) => {
      const index = Number(row.dataset.index);
      if (e.target === elements.twistie) this.callbacks.toggle(index);
      this.setFocus(index);
      this.container.focus({ preventScroll: true });
    });
    row.addEventListener('dblclick', () => this.callbacks.toggle(Number(row.dataset.index)));
    this.container.append(row);
    return elements;
  }

  private fillRow(elements: RowElements, index: number): void {
    const data = this.callbacks.row(index);
    const { row } = elements;
    row.id = `row-${index}`;
    row.dataset.index = String(index);
    row.style.transform = `translateY(${index * ROW_HEIGHT}px)`;
    row.className = `row mark-${data.mark}${index === this.focus ? ' focused' : ''}`;
    row.setAttribute('aria-level', String(data.depth + 1));
    row.setAttribute('aria-selected', String(index === this.focus));
    if (data.directory) row.setAttribute('aria-expanded', String(data.expanded));
    else row.removeAttribute('aria-expanded');
    const details = [MARK_WORD[data.mark], data.directory ? 'directory' : '', data.size, data.mode, `owner ${data.owner}`, data.link ? `link to ${data.link}` : ''];
    row.setAttribute('aria-label', `${data.name}, ${details.filter(Boolean).join(', ')}`);
    row.title = data.path;
    elements.twistie.className = `twistie${data.directory ? (data.expanded ? ' open' : ' closed') : ''}`;
    elements.twistie.style.marginLeft = `${data.depth * 16}px`;
    elements.name.textContent = data.name;
    elements.link.textContent = data.link ? ` → ${data.link}` : '';
    elements.size.textContent = data.size;
    elements.mode.textContent = data.mode;
    elements.owner.textContent = data.owner;
    elements.mark.textContent = MARK_LETTER[data.mark];
  }

  private updateActive(): void {
    if (this.focus >= 0) this.container.setAttribute('aria-activedescendant', `row-${this.focus}`);
    else this.container.removeAttribute('aria-activedescendant');
  }

  private onKey(e: KeyboardEvent): void {
    const page = Math.max(1, Math.floor(this.container.clientHeight / ROW_HEIGHT) - 1);
    const at = this.focus;
    const row = at >= 0 ? this.callbacks.row(at) : undefined;
    switch (e.key) {
      case 'ArrowDown':
        this.setFocus(Math.min(this.count - 1, at + 1));
        break;
      case 'ArrowUp':
        this.setFocus(Math.max(0, at - 1));
        break;
      case 'PageDown':
        this.setFocus(Math.min(this.count - 1, at + page));
        break;
      case 'PageUp':
        this.setFocus(Math.max(0, at - page));
        break;
      case 'Home':
        this.setFocus(0);
        break;
      case 'End':
        this.setFocus(this.count - 1);
        break;
      case 'ArrowRight':
        if (row?.directory && !row.expanded) this.callbacks.toggle(at, true);
        else if (row?.directory) this.setFocus(at + 1);
        break;
      case 'ArrowLeft':
        if (row?.directory && row.expanded) this.callbacks.toggle(at, false);
        else {
          const parent = this.callbacks.parent(at);
          if (parent !== undefined) this.setFocus(parent);
        }
        break;
      case 'Enter':
      case ' ':
        if (row?.directory) this.callbacks.toggle(at);
        break;
      default:
        if (e.key.length === 1 && !e.ctrlKey && !e.metaKey && !e.altKey) {
          this.callbacks.typed(e.key);
          break;
        }
        return;
    }
    e.preventDefault();
  }
}
