/** DOM helpers shared by the web interfaces: tiny element builders instead of a framework. */

export type Child = Node | string | number | null | undefined | false | Child[];
type Attrs = Record<string, unknown>;

/**
 * Creates an element: h('div.card.is-open', { title: 'x', onclick: fn, dataset: {id} }, child, 'text', [more]).
 * Children may be nodes, strings, numbers, arrays, null/undefined/false (skipped).
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K | `${K}.${string}`, attrs?: Attrs | Child, ...children: Child[]): HTMLElementTagNameMap[K];
export function h(tag: string, attrs?: Attrs | Child, ...children: Child[]): HTMLElement;
export function h(tag: string, attrs?: Attrs | Child, ...children: Child[]): HTMLElement {
  const [name, ...classes] = tag.split('.');
  const el = document.createElement(name || 'div');
  if (classes.length) el.className = classes.join(' ');
  let attributes: Attrs = {};
  if (attrs !== undefined && attrs !== null && attrs !== false) {
    if (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs)) children.unshift(attrs as Child);
    else attributes = attrs as Attrs;
  }
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value as EventListener);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'class') el.className = [el.className, value].filter(Boolean).join(' ');
    else if (key === 'style' && typeof value === 'object') {
      for (const [prop, v] of Object.entries(value as Record<string, string>))
        el.style.setProperty(prop.startsWith('--') ? prop : prop.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`), v);
    } else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el: Element, children: Child[]): void {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

/** SVG element with attributes. */
export function svg(tag: string, attrs: Record<string, string | number | undefined | null> = {}, ...children: (Node | null | undefined)[]): SVGElement {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [key, value] of Object.entries(attrs)) if (value !== undefined && value !== null) el.setAttribute(key, String(value));
  for (const child of children) if (child) el.append(child);
  return el;
}

/** Replaces the children of `el`. */
export function mount<E extends Element>(el: E, ...children: Child[]): E {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** The element matching `selector`; throws when the page lacks it (a build or markup error). */
export function $<E extends Element = HTMLElement>(selector: string, root: ParentNode = document): E {
  const el = root.querySelector<E>(selector);
  if (!el) throw new Error(`Missing element ${selector}`);
  return el;
}

/** The product logo (inline SVG, no request). */
export function logo(): SVGElement {
  const el = svg('svg', { viewBox: '0 0 24 24', class: 'logo', 'aria-hidden': 'true' });
  el.append(
    svg('rect', { x: 1, y: 1, width: 22, height: 22, rx: 6, fill: 'currentColor' }),
    svg('path', { d: 'M5 13h3l2-5 3 9 2-6 1.5 2H19', fill: 'none', stroke: '#fff', 'stroke-width': 2, 'stroke-linecap': 'round', 'stroke-linejoin': 'round' }),
  );
  return el;
}
