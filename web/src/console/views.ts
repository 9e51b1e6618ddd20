/**
 * The lower half of the console shows one view at a time: the day board, the week board (both
 * with the unscheduled queue), the map, or the alarms and offline devices.
 */
import { $ } from '../shared/dom';
import type { Board } from './board';
import type { MapView } from './map';
import type { Ops } from './ops';

export type View = 'day' | 'week' | 'map' | 'ops';
export function showView(view: View, parts: { board: Board; map: MapView; ops: Ops }): void {
  const boardView = view === 'day' || view === 'week';
  $('#board-wrap').dataset.view = view;
  $('#board-wrap').classList.remove('collapsed');
  $('#board-main').hidden = !boardView;
  $('#board-date').hidden = !boardView;
  $('#map-wrap').hidden = view !== 'map';
  $('#ops').hidden = view !== 'ops';
  for (const button of document.querySelectorAll<HTMLElement & { appearance: string; variant: string }>('#views [data-view]')) {
    const on = button.dataset.view === view;
    button.setAttribute('aria-pressed', on ? 'true' : 'false');
    button.appearance = on ? 'accent' : 'outlined';
    button.variant = on ? 'brand' : 'neutral';
  }
  if (boardView) {
    if (parts.board.view !== view) parts.board.setView(view);
    else void parts.board.load();
  } else if (view === 'map') {
    void parts.map.load().then(() => parts.map.resize());
  } else void parts.ops.load();
}
