/**
 * "New request": site and equipment pickers (or "other"), the kind of request, a description and
 * photos from the camera or from files; the ticket is created (channel portal), then each photo is
 * attached to it.
 */
import { h, mount } from '../shared/dom';
import { toast } from '../shared/ui';
import type { PortalContext } from './context';
import type { MessageKey } from './messages';
import { uploadFile } from './tickets';
import { errorMessage, field, pageHeader } from './widgets';

const TYPES = ['breakdown', 'maintenance', 'question', 'complaint', 'other'] as const;

export async function requestPage(ctx: PortalContext, query: URLSearchParams): Promise<HTMLElement> {
  const { api, t } = ctx;
  const [sites, assets] = await Promise.all([api.ok(api.client.GET('/api/v1/portal/sites')), api.ok(api.client.GET('/api/v1/portal/assets'))]);
  const preset = assets.items.find((a) => a.id === query.get('asset'));

  const site = h(
    'select',
    { id: 'req-site', name: 'site' },
    h('option', { value: '' }, t.t('request.anySite')),
    sites.items.map((s) => h('option', { value: s.id }, s.name)),
  );
  const asset = h('select', { id: 'req-asset', name: 'asset' });
  const fillAssets = (): void => {
    const chosen = asset.value;
    const list = assets.items.filter((a) => !site.value || a.siteId === site.value);
    mount(
      asset,
      h('option', { value: '' }, t.t('request.otherAsset')),
      list.map((a) => h('option', { value: a.id }, `${a.name ?? a.modelName ?? a.modelId} · ${a.serialNumber}`)),
    );
    if (list.some((a) => a.id === chosen)) asset.value = chosen;
  };
  if (preset) site.value = preset.siteId;
  fillAssets();
  if (preset) asset.value = preset.id;
  site.addEventListener('change', fillAssets);
  asset.addEventListener('change', () => {
    const picked = assets.items.find((a) => a.id === asset.value);
    if (picked && site.value !== picked.siteId) {
      site.value = picked.siteId;
      fillAssets();
      asset.value = picked.id;
    }
  });

  const type = h(
    'div.choice',
    { role: 'radiogroup', 'aria-labelledby': 'req-type-label' },
    TYPES.map((value, i) =>
      h('label.choice-item', h('input', { type: 'radio', name: 'type', value, checked: i === 0 }), h('span', t.t(`type.${value}` as MessageKey))),
    ),
  );
  const title = h('input', { id: 'req-title', name: 'title', required: true, maxlength: 200, placeholder: t.t('request.subjectHint') });
  const description = h('textarea', { id: 'req-description', name: 'description', rows: 5, maxlength: 10000 });

  const photos: File[] = [];
  const previews = h('ul.previews', { 'aria-live': 'polite' });
  const drawPreviews = (): void => {
    mount(
      previews,
      photos.map((file, index) => {
        const thumb = h('span.file-thumb', { 'aria-hidden': 'true' }, file.type.startsWith('image/') ? '' : 'PDF');
        if (file.type.startsWith('image/')) {
          const reader = new FileReader();
          reader.onload = () => thumb.append(h('img', { src: String(reader.result), alt: '' }));
          reader.readAsDataURL(file);
        }
        return h(
          'li.preview',
          thumb,
          h('span.preview-name', file.name),
          h(
            'button.icon-btn',
            {
              type: 'button',
              'aria-label': t.t('request.remove', { name: file.name }),
              onclick: () => {
                photos.splice(index, 1);
                drawPreviews();
              },
            },
            '×',
          ),
        );
      }),
    );
  };
  const picker = (id: string, label: string, capture: boolean): HTMLElement[] => {
    const input = h('input.visually-hidden', {
      id,
      type: 'file',
      accept: capture ? 'image/*' : 'image/*,application/pdf',
      multiple: !capture,
      capture: capture ? 'environment' : undefined,
    });
    input.addEventListener('change', () => {
      photos.push(...Array.from(input.files ?? []));
      input.value = '';
      drawPreviews();
    });
    return [input, h('label.btn', { for: id }, label)];
  };

  const error = h('wa-callout.form-msg', { variant: 'danger', size: 's', role: 'alert', hidden: true });
  const submit = h('button.btn.btn-primary.btn-large', { type: 'submit' }, t.t('request.submit'));
  const form = h(
    'form.request-form.card',
    {
      onsubmit: async (event: Event) => {
        event.preventDefault();
        submit.disabled = true;
        submit.textContent = t.t('request.busy');
        error.hidden = true;
        try {
          const kind = (form.querySelector<HTMLInputElement>('input[name=type]:checked')?.value ?? 'other') as (typeof TYPES)[number];
          const ticket = await api.ok(
            api.client.POST('/api/v1/tickets', {
              body: {
                channel: 'portal',
                type: kind,
                title: title.value,
                ...(description.value.trim() ? { description: description.value } : {}),
                ...(asset.value ? { assetId: asset.value } : site.value ? { siteId: site.value } : {}),
              },
            }),
          );
          for (const file of photos) {
            try {
              await uploadFile(api, ticket.id, file);
            } catch (e) {
              toast('error', t.t('request.photoFailed'), errorMessage(t, e));
            }
          }
          toast('success', t.t('request.sent', { number: ticket.number }));
          ctx.go(`tickets/${ticket.id}`);
        } catch (e) {
          error.textContent = errorMessage(t, e);
          error.hidden = false;
          submit.disabled = false;
          submit.textContent = t.t('request.submit');
        }
      },
    },
    h('div.form-row', field('req-site', t.t('request.site'), site), field('req-asset', t.t('request.asset'), asset)),
    h('div.field', h('span.label', { id: 'req-type-label' }, t.t('request.type')), type),
    field('req-title', t.t('request.subject'), title),
    field('req-description', t.t('request.description'), description, t.t('request.descriptionHint')),
    h(
      'div.field',
      h('span.label', t.t('request.photos')),
      h('div.photo-buttons', picker('req-camera', t.t('request.camera'), true), picker('req-files', t.t('request.files'), false)),
      h('p.hint.muted', t.t('request.photosHint')),
      previews,
    ),
    error,
    h('div.form-actions', h('a.btn', { href: '#/tickets' }, t.t('app.cancel')), submit),
  );
  return h('div.page.narrow', pageHeader(t.t('request.title'), t.t('request.intro')), form);
}
