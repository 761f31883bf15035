/**
 * Element helpers for the inspector's webview. Text from the image (names, commands, link
 * targets) only ever goes in through textContent or an attribute: nothing here parses HTML.
 */

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the inspector page has no #${id}`);
  return node as T;
}

/** Replaces an element's children. */
export function fill(parent: HTMLElement, children: readonly Node[]): void {
  parent.replaceChildren(...children);
}
