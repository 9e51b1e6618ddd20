/** The customer's drawn signature (signature_pad on a canvas sized for the screen's pixel ratio). */
import SignaturePad from 'signature_pad';
import { h } from '../shared/dom';
import { t } from './messages';

export interface SignatureField {
  element: HTMLElement;
  /** A PNG data URL, or null when nothing is drawn. */
  value(): string | null;
  clear(): void;
}

export function signatureField(onChange: () => void): SignatureField {
  const canvas = h('canvas.signature-canvas', { role: 'img', 'aria-label': t('signHere') });
  const pad = new SignaturePad(canvas, { penColor: '#1b1f29', backgroundColor: 'rgba(0,0,0,0)' });
  pad.addEventListener('endStroke', onChange);
  // The PNG must stay small (the server takes at most 100 KiB): a ratio of 2 is sharp enough.
  const resize = (): void => {
    const ratio = Math.min(window.devicePixelRatio || 1, 2);
    const width = canvas.offsetWidth;
    if (!width) return;
    const data = pad.toData();
    canvas.width = width * ratio;
    canvas.height = canvas.offsetHeight * ratio;
    canvas.getContext('2d')?.scale(ratio, ratio);
    pad.fromData(data);
  };
  new ResizeObserver(resize).observe(canvas);
  const clear = h('button.btn.btn-sm.btn-ghost', { type: 'button', onclick: () => (pad.clear(), onChange()) }, t('clearSignature'));
  return {
    element: h('div.signature', h('div.signature-label', h('span', t('signHere')), clear), canvas),
    value: () => (pad.isEmpty() ? null : pad.toDataURL('image/png')),
    clear: () => pad.clear(),
  };
}
