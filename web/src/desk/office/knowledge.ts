/** Back office: the knowledge base — search, edit and publish, with the drafts technicians proposed from their visits first. */
import { h, mount } from '../../shared/dom';
import { toast, toastError } from '../../shared/ui';
import { client, ok, type Article } from '../api';
import { label, t, when } from '../i18n';
import { busy, card, field, loading, openDialog, pageHead, select, statusChip, table } from '../parts';
import type { Render } from '../routes';

const refresh = (): boolean => window.dispatchEvent(new HashChangeEvent('hashchange'));

export const renderKnowledge: Render = async (view, _params, query, alive) => {
  const status = (query.get('status') ?? 'draft') as 'draft' | 'published' | 'all';
  const filter = select(
    'status',
    [
      ['draft', t('kb.drafts')],
      ['published', label('status', 'published')],
      ['all', t('common.all')],
    ],
    status,
  );
  filter.setAttribute('aria-label', t('common.status'));
  filter.onchange = () => (location.hash = `#/office/knowledge?status=${filter.value}`);
  const q = h('input.control', { type: 'search', placeholder: t('kb.searchPlaceholder'), 'aria-label': t('kb.search'), autocomplete: 'off' });
  const results = h('div');
  let timer: number | undefined;
  q.oninput = () => {
    window.clearTimeout(timer);
    const text = q.value.trim();
    if (text.length < 2) return void mount(results);
    timer = window.setTimeout(
      () =>
        void loading(results, async () => {
          const found = await ok(client.GET('/api/v1/knowledge/search', { params: { query: { q: text, limit: 10 } } }));
          return card(
            t('kb.results'),
            found.items.length
              ? h(
                  'ul.kb-results',
                  found.items.map((x) =>
                    h(
                      'li',
                      h('button.link', { type: 'button', onclick: () => void edit(x.id) }, x.title),
                      ' ',
                      statusChip(x.status),
                      h('div.muted.small', x.snippet.replace(/<\/?[^>]+>/g, '')),
                    ),
                  ),
                )
              : h('p.muted', t('kb.noResults')),
          );
        }),
      220,
    );
  };
  const create = h('button.btn.btn-primary', { type: 'button', onclick: () => editor(null) }, t('kb.new'));
  const list = h('div');
  view.replaceChildren(pageHead(t('nav.knowledge'), t('kb.sub'), filter, create), h('div.kb-search', q), results, list);
  await loading(
    list,
    async () => {
      const items = await ok(
        client.GET('/api/v1/knowledge/articles', { params: { query: { limit: 100, sort: '-updatedAt', ...(status === 'all' ? {} : { status }) } } }),
      );
      return card(
        status === 'draft' ? t('kb.drafts') : t('kb.articles'),
        table(
          items.items,
          [
            { head: t('kb.titleField'), cell: (x) => h('button.link', { type: 'button', onclick: () => editor(x) }, x.title) },
            { head: t('common.status'), cell: (x) => statusChip(x.status) },
            { head: t('kb.source'), cell: (x) => label('author', x.author.type), wide: true },
            { head: t('kb.faults'), cell: (x) => x.faultCodes.join(', ') || '—', wide: true },
            { head: t('kb.updated'), cell: (x) => when(x.updatedAt), wide: true },
          ],
          { empty: status === 'draft' ? t('kb.noDrafts') : t('kb.none') },
        ),
      );
    },
    alive,
  );
};

async function edit(id: string): Promise<void> {
  try {
    editor(await ok(client.GET('/api/v1/knowledge/articles/{id}', { params: { path: { id } } })));
  } catch (error) {
    toastError(error);
  }
}

const list = (value: string): string[] =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function editor(article: Article | null): void {
  const title = h('input', { name: 'title', required: true, maxlength: 300, value: article?.title ?? '' });
  const body = h('textarea', { name: 'body', rows: 10, required: true });
  body.value = article?.body ?? '';
  const tags = h('input', { name: 'tags', value: article?.tags.join(', ') ?? '' });
  const faults = h('input', { name: 'faultCodes', value: article?.faultCodes.join(', ') ?? '' });
  const models = h('input', { name: 'modelIds', value: article?.modelIds.join(', ') ?? '' });
  const save = h('button.btn', { type: 'submit', value: 'draft' }, t('kb.saveDraft'));
  const publish = h('button.btn.btn-primary', { type: 'submit', value: 'published' }, t('kb.publish'));
  const form = h(
    'form.form',
    {
      onsubmit: (event: SubmitEvent) => {
        event.preventDefault();
        const status = ((event.submitter as HTMLButtonElement | null)?.value ?? 'draft') as 'draft' | 'published';
        const payload = {
          title: title.value.trim(),
          body: body.value,
          tags: list(tags.value),
          faultCodes: list(faults.value),
          modelIds: list(models.value),
          status,
        };
        void busy(status === 'published' ? publish : save, async () => {
          try {
            if (article) await ok(client.PATCH('/api/v1/knowledge/articles/{id}', { params: { path: { id: article.id } }, body: payload }));
            else await ok(client.POST('/api/v1/knowledge/articles', { body: payload }));
            dialog.close();
            toast('success', status === 'published' ? t('kb.published') : t('kb.saved'));
            refresh();
          } catch (error) {
            toastError(error, t('kb.saveFailed'));
          }
        });
      },
    },
    field(t('kb.titleField'), title),
    field(t('kb.body'), body),
    h('div.form-grid', field(t('kb.tags'), tags, t('kb.commaHint')), field(t('kb.faults'), faults), field(t('kb.models'), models)),
    h('div.form-actions', save, publish),
  );
  const dialog = openDialog(article ? t('kb.edit') : t('kb.new'), form);
}
