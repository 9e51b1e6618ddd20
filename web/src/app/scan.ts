/**
 * Scanning a part's barcode with the camera (@zxing/browser, loaded only when the technician
 * scans): a dialog with the camera's picture; the first code read closes it.
 */
import { h } from '../shared/dom';
import { t } from './messages';

type Dialog = HTMLElement & { open: boolean };

export async function scanBarcode(): Promise<string | null> {
  const video = h('video.scan-video', { muted: true, playsinline: true, 'aria-label': t('scanHint') });
  const status = h('p.muted', { role: 'status' }, t('scanHint'));
  const dialog = h(
    'wa-dialog',
    { label: t('scanTitle') },
    video,
    status,
    h('wa-button', { slot: 'footer', variant: 'neutral', 'data-dialog': 'close' }, t('close')),
  ) as Dialog;
  document.body.append(dialog);
  dialog.open = true;
  let stop = (): void => undefined;
  try {
    const { BrowserMultiFormatReader } = await import('@zxing/browser');
    return await new Promise<string | null>((resolve) => {
      dialog.addEventListener('wa-after-hide', () => resolve(null), { once: true });
      new BrowserMultiFormatReader()
        .decodeFromVideoDevice(undefined, video, (result) => {
          if (result) resolve(result.getText());
        })
        .then((controls) => {
          stop = () => controls.stop();
        })
        .catch(() => {
          status.textContent = t('scanNoCamera');
        });
    });
  } finally {
    stop();
    dialog.open = false;
    window.setTimeout(() => dialog.remove(), 300);
  }
}
