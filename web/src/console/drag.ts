/**
 * Drag and drop with pointer events (mouse, pen and touch alike; HTML5 drag and drop has no
 * pointer position during the drag in every browser and no touch support). A drag starts after
 * the pointer moved 6 px, so a click stays a click; the one drop target (the board) is asked
 * what the pointer is over on every move and receives the drop.
 */
import { h } from '../shared/dom';

export type DragPayload =
  | { kind: 'ticket'; ticketId: string; label: string }
  | {
      kind: 'visit';
      mode: 'move' | 'resize';
      visitId: string;
      ticketId: string;
      technicianId: string;
      label: string;
      start: number;
      end: number;
      grabOffset: number;
    };

export interface DropTarget {
  hover(x: number, y: number, payload: DragPayload): void;
  drop(x: number, y: number, payload: DragPayload): void;
  leave(): void;
}

let target: DropTarget | null = null;
export const setDropTarget = (value: DropTarget | null): void => void (target = value);

const THRESHOLD = 6;

export function startDrag(event: PointerEvent, payload: DragPayload | (() => DragPayload)): void {
  if (event.button !== 0 || event.ctrlKey || event.metaKey) return;
  const x0 = event.clientX;
  const y0 = event.clientY;
  let ghost: HTMLElement | null = null;
  let data: DragPayload | null = null;

  const move = (e: PointerEvent): void => {
    if (!ghost) {
      if (Math.hypot(e.clientX - x0, e.clientY - y0) < THRESHOLD) return;
      data = typeof payload === 'function' ? payload() : payload;
      ghost = h('div.drag-ghost', { 'aria-hidden': 'true' }, data.label);
      document.body.append(ghost);
      document.body.classList.add('dragging');
    }
    e.preventDefault();
    ghost.style.transform = `translate(${e.clientX + 14}px, ${e.clientY + 10}px)`;
    target?.hover(e.clientX, e.clientY, data!);
  };
  const up = (e: PointerEvent): void => {
    window.removeEventListener('pointermove', move);
    window.removeEventListener('pointerup', up);
    window.removeEventListener('pointercancel', cancel);
    if (!ghost) return;
    finish();
    // The click that follows a drag is not a click on what was dragged.
    window.addEventListener('click', swallow, { capture: true, once: true });
    window.setTimeout(() => window.removeEventListener('click', swallow, { capture: true }), 0);
    target?.drop(e.clientX, e.clientY, data!);
  };
  const swallow = (c: Event): void => {
    c.stopPropagation();
    c.preventDefault();
  };
  const cancel = (): void => {
    window.removeEventListener('pointermove', move);
    window.removeEventListener('pointerup', up);
    window.removeEventListener('pointercancel', cancel);
    if (ghost) finish();
    target?.leave();
  };
  const finish = (): void => {
    ghost?.remove();
    document.body.classList.remove('dragging');
  };
  window.addEventListener('pointermove', move);
  window.addEventListener('pointerup', up);
  window.addEventListener('pointercancel', cancel);
}
