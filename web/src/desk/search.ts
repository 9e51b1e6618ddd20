/**
 * The intake search: one box over customers, contacts, sites and assets (name, phone, e-mail,
 * serial number, address), results grouped by type. Keyboard-first (the WAI-ARIA combobox
 * pattern): type, ↓/↑ to move, Enter to open, Esc to clear.
 */
import { h, mount } from '../shared/dom';
import { errorText } from '../shared/ui';
import type { Ok } from '../shared/api';
import { client, ok } from './api';
import { label, t } from './i18n';

export type Hit = Ok<'/api/v1/search', 'get'>['items'][number];
export type HitType = Hit['type'];

const TYPES: HitType[] = ['customer', 'contact', 'site', 'asset'];
/** One glyph per type, the same in every language (the group heading names it). */
const GLYPH: Record<HitType, string> = { customer: '⌂', contact: '☺', site: '⚑', asset: '⚙' };

export async function searchAll(q: string, signal: AbortSignal): Promise<Hit[]> {
  const data = await ok(client.GET('/api/v1/search', { params: { query: { q, limit: 30 } }, signal }));
  return data.items;
}

/** Where a hit leads: the customer's 360, with the contact, site or asset preselected for a new ticket. */
export function hitHref(hit: Hit): string {
  const query = hit.type === 'customer' ? '' : `?${hit.type}=${hit.id}`;
  return `#/customer/${hit.customerId}${query}`;
}

export function createSearch(onOpen: (hit: Hit) => void): HTMLElement {
  const listId = 'intake-results';
  const input = h('input.search-input', {
    id: 'intake-search',
    type: 'search',
    role: 'combobox',
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-autocomplete': 'list',
    'aria-expanded': 'false',
    'aria-controls': listId,
    'aria-label': t('intake.searchLabel'),
    placeholder: t('intake.placeholder'),
  });
  const list = h('div.results', { id: listId, role: 'listbox', 'aria-label': t('intake.results'), hidden: true });
  const status = h('div.sr-only', { role: 'status', 'aria-live': 'polite' });
  let hits: Hit[] = [];
  let active = -1;
  let timer: number | undefined;
  let controller: AbortController | undefined;

  const optionId = (i: number): string => `hit-${i}`;
  function setActive(i: number): void {
    active = hits.length ? (i + hits.length) % hits.length : -1;
    for (const el of list.querySelectorAll('[role=option]')) el.setAttribute('aria-selected', String(el.id === optionId(active)));
    if (active >= 0) {
      input.setAttribute('aria-activedescendant', optionId(active));
      document.getElementById(optionId(active))?.scrollIntoView({ block: 'nearest' });
    } else input.removeAttribute('aria-activedescendant');
  }

  function show(found: Hit[], q: string): void {
    hits = TYPES.flatMap((type) => found.filter((hit) => hit.type === type));
    let index = 0;
    const groups = TYPES.map((type) => {
      const group = hits.filter((hit) => hit.type === type);
      if (!group.length) return null;
      return h(
        'div.result-group',
        { role: 'group', 'aria-label': t(`search.${type}s`) },
        h('div.result-head', { 'aria-hidden': 'true' }, t(`search.${type}s`), h('span.count', group.length)),
        group.map((hit) => {
          const i = index++;
          return h(
            'div.result',
            { id: optionId(i), role: 'option', 'aria-selected': 'false', onmousedown: (e: Event) => e.preventDefault(), onclick: () => onOpen(hit) },
            h(`span.result-type.type-${hit.type}`, { 'aria-hidden': 'true' }, GLYPH[hit.type]),
            h(
              'span.result-text',
              h('span.result-label', hit.label),
              h(
                'span.result-detail.muted',
                hit.type === 'customer' || hit.detail.includes(hit.customerName) ? hit.detail : `${hit.customerName} · ${hit.detail}`,
              ),
            ),
            hit.matched ? h('span.result-matched.small', label('matched', hit.matched)) : null,
          );
        }),
      );
    });
    mount(list, hits.length ? groups : h('div.result-empty.muted', t('intake.noMatch', { q })));
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
    status.textContent = t('intake.found', { n: hits.length });
    setActive(hits.length ? 0 : -1);
  }

  function clear(): void {
    hits = [];
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
  }

  input.addEventListener('input', () => {
    window.clearTimeout(timer);
    controller?.abort();
    const q = input.value.trim();
    if (q.length < 2) return clear();
    timer = window.setTimeout(async () => {
      controller = new AbortController();
      try {
        show(await searchAll(q, controller.signal), q);
      } catch (error) {
        if ((error as Error).name === 'AbortError') return;
        mount(list, h('div.result-empty', { role: 'alert' }, errorText(error)));
        list.hidden = false;
      }
    }, 180);
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown') setActive(active + 1);
    else if (event.key === 'ArrowUp') setActive(active - 1);
    else if (event.key === 'Enter' && active >= 0 && hits[active]) onOpen(hits[active]!);
    else if (event.key === 'Escape') {
      input.value = '';
      clear();
      return;
    } else return;
    event.preventDefault();
  });
  input.addEventListener('blur', () => window.setTimeout(clear, 150));
  input.addEventListener('focus', () => {
    if (hits.length) show(hits, input.value);
  });

  return h('div.search-box', h('span.search-glyph', { 'aria-hidden': 'true' }, '⌕'), input, h('kbd.search-kbd', { 'aria-hidden': 'true' }, '/'), list, status);
}
