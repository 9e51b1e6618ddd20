/**
 * Alerts that reach a dispatcher looking elsewhere: a critical new ticket or an SLA breach plays a
 * short tone (WebAudio, no sound file) and raises a browser notification when the dispatcher has
 * allowed them. The mute toggle is remembered in localStorage (`telemend.console.muted`). Each
 * alert is also written to a polite live region, so screen readers hear it too.
 */
import { $, h, mount } from '../shared/dom';

const MUTED_KEY = 'telemend.console.muted';
let audio: AudioContext | null = null;

export const isMuted = (): boolean => localStorage.getItem(MUTED_KEY) === '1';

/** Two short tones; a breach is lower and longer than a new critical ticket. */
function tone(kind: 'critical' | 'breach'): void {
  try {
    audio ??= new AudioContext();
    const start = audio.currentTime;
    const notes = kind === 'breach' ? [660, 440] : [880, 1175];
    notes.forEach((freq, i) => {
      const osc = audio!.createOscillator();
      const gain = audio!.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, start + i * 0.18);
      gain.gain.exponentialRampToValueAtTime(0.2, start + i * 0.18 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + i * 0.18 + (kind === 'breach' ? 0.3 : 0.15));
      osc.connect(gain).connect(audio!.destination);
      osc.start(start + i * 0.18);
      osc.stop(start + i * 0.18 + 0.35);
    });
  } catch {
    // No audio device or autoplay refused before any user gesture: the notification still shows.
  }
}

export function raiseAlert(kind: 'critical' | 'breach' | 'at_risk', title: string, body: string, tag: string): void {
  const log = document.getElementById('alert-log');
  if (log) {
    log.prepend(h('li', { dataset: { kind, tag } }, `${title}: ${body}`));
    while (log.children.length > 20) log.lastElementChild?.remove();
  }
  if (kind === 'at_risk') return;
  if (!isMuted()) tone(kind);
  if ('Notification' in window && Notification.permission === 'granted') {
    try {
      new Notification(title, { body, tag, icon: '/console/favicon.svg' });
    } catch {
      // Some browsers allow notifications only from a service worker.
    }
  }
}

/** The topbar's sound toggle and, while undecided, the button that asks for notifications. */
export function renderAlertControls(el: HTMLElement = $('#alerts')): void {
  const muted = isMuted();
  const ask = 'Notification' in window && Notification.permission === 'default';
  mount(
    el,
    h(
      'button.btn.btn-ghost.btn-sm.mute',
      {
        type: 'button',
        'aria-pressed': muted ? 'true' : 'false',
        title: muted ? 'Alert sound is off: click to turn it on' : 'Alert sound is on: click to mute',
        onclick: () => {
          localStorage.setItem(MUTED_KEY, muted ? '0' : '1');
          renderAlertControls(el);
        },
      },
      h('span.btn-icon', { 'aria-hidden': 'true' }, muted ? '⊘' : '♪'),
      h('span.btn-label', muted ? 'Sound off' : 'Sound on'),
    ),
    ask
      ? h(
          'button.btn.btn-ghost.btn-sm',
          {
            type: 'button',
            title: 'Show a desktop notification for critical tickets and SLA breaches',
            onclick: () => void Notification.requestPermission().then(() => renderAlertControls(el)),
          },
          h('span.btn-icon', { 'aria-hidden': 'true' }, '✉'),
          h('span.btn-label', 'Enable notifications'),
        )
      : null,
  );
}
