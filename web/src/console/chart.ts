/**
 * The evidence chart for one metric: mean line, min–max band, the model's limit as a dashed line
 * with the out-of-limit zone shaded, the alarm instant as a marker, and a hover crosshair. Scales
 * and paths come from d3-scale and d3-shape; the SVG stays plain so it needs no runtime styling.
 */
import { scaleLinear, scaleTime } from 'd3-scale';
import { area, line } from 'd3-shape';
import { h, svg } from '../shared/dom';
import { fmtTime } from '../shared/ui';

const PAD = { top: 14, right: 16, bottom: 24, left: 44 };

export interface ChartPoint {
  time: string;
  mean: number | null;
  min: number | null;
  max: number | null;
}
export interface ChartLimit {
  value: number;
  direction: 'above' | 'below';
  label: string;
  source?: string;
}
export interface ChartInput {
  points: readonly ChartPoint[];
  unit: string;
  limit?: ChartLimit | null;
  alarmAt?: string | null;
  width: number;
  height?: number;
  from: string;
  to: string;
  every?: string;
  caption?: string;
}

/** "Nice" tick values covering [min, max] (steps of 1, 2, 2.5 and 5 times a power of ten). */
export function ticks(min: number, max: number, count = 4): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) out.push(Number(v.toFixed(10)));
  return out;
}

type Point = { time: Date; mean: number; min: number; max: number };
const text = (value: string): Text => document.createTextNode(value);

export function lineChart(input: ChartInput): HTMLElement {
  const width = Math.max(320, Math.floor(input.width));
  const height = input.height ?? 190;
  const pts: Point[] = input.points
    .filter((p) => Number.isFinite(p.mean))
    .map((p) => ({ time: new Date(p.time), mean: p.mean!, min: p.min ?? p.mean!, max: p.max ?? p.mean! }));
  const values = pts.flatMap((p) => [p.min, p.max, p.mean]).filter(Number.isFinite);
  if (input.limit) values.push(input.limit.value);
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (!(hi > lo)) {
    lo -= 1;
    hi += 1;
  }
  const span = hi - lo;
  lo -= span * 0.08;
  hi += span * 0.12;
  const innerBottom = height - PAD.bottom;
  const x = scaleTime()
    .domain([new Date(input.from), new Date(input.to)])
    .range([PAD.left, width - PAD.right]);
  const y = scaleLinear().domain([lo, hi]).range([innerBottom, PAD.top]);

  const root = svg('svg', { class: 'chart', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'Telemetry around the alarm' });

  // Grid and y axis (labels with as many decimals as the step needs).
  const yTicks = ticks(lo, hi, 4);
  const step = yTicks.length > 1 ? yTicks[1]! - yTicks[0]! : 1;
  let decimals = 0;
  while (decimals < 3 && Math.abs(step * 10 ** decimals - Math.round(step * 10 ** decimals)) > 1e-6) decimals++;
  for (const v of yTicks) {
    root.append(svg('line', { class: 'grid', x1: PAD.left, x2: width - PAD.right, y1: y(v), y2: y(v) }));
    root.append(svg('text', { class: 'axis', x: PAD.left - 6, y: y(v) + 3, 'text-anchor': 'end' }, text(v.toFixed(decimals))));
  }
  // X axis: 5 time labels.
  const [t0, t1] = x.domain().map((d) => d.getTime()) as [number, number];
  for (let i = 0; i <= 4; i++) {
    const t = new Date(t0 + ((t1 - t0) * i) / 4);
    root.append(
      svg('text', { class: 'axis', x: x(t), y: height - 6, 'text-anchor': i === 0 ? 'start' : i === 4 ? 'end' : 'middle' }, text(fmtTime(t.toISOString()))),
    );
  }

  // Limit: shaded zone beyond it and a dashed line.
  if (input.limit) {
    const ly = y(input.limit.value);
    const zoneTop = input.limit.direction === 'below' ? ly : PAD.top;
    const zoneBottom = input.limit.direction === 'below' ? innerBottom : ly;
    if (zoneBottom > zoneTop)
      root.append(svg('rect', { class: 'limit-zone', x: PAD.left, y: zoneTop, width: width - PAD.left - PAD.right, height: zoneBottom - zoneTop }));
    root.append(svg('line', { class: 'limit', x1: PAD.left, x2: width - PAD.right, y1: ly, y2: ly }));
    root.append(
      svg(
        'text',
        { class: 'limit-label', x: width - PAD.right - 4, y: ly - 4, 'text-anchor': 'end' },
        text(`${input.limit.label} ${formatValue(input.limit.value)} ${input.unit}`),
      ),
    );
  }

  const last = pts.at(-1);
  if (last) {
    const band = area<Point>()
      .x((p) => x(p.time))
      .y0((p) => y(p.min))
      .y1((p) => y(p.max));
    const mean = line<Point>()
      .x((p) => x(p.time))
      .y((p) => y(p.mean));
    root.append(svg('path', { class: 'band', d: band(pts) }));
    root.append(svg('path', { class: 'line', d: mean(pts) }));
    root.append(svg('circle', { class: 'last', cx: x(last.time), cy: y(last.mean), r: 3 }));
  }

  // Alarm marker.
  if (input.alarmAt) {
    const ax = x(new Date(input.alarmAt));
    if (ax >= PAD.left && ax <= width - PAD.right) {
      root.append(svg('line', { class: 'alarm', x1: ax, x2: ax, y1: PAD.top, y2: innerBottom }));
      root.append(svg('rect', { class: 'alarm-flag', x: ax - 22, y: 0, width: 44, height: 13, rx: 3 }));
      root.append(svg('text', { class: 'alarm-label', x: ax, y: 10, 'text-anchor': 'middle' }, text('ALARM')));
    }
  }

  // Hover crosshair.
  const cross = svg('line', { class: 'cross', x1: 0, x2: 0, y1: PAD.top, y2: innerBottom, visibility: 'hidden' });
  const dot = svg('circle', { class: 'cross-dot', r: 3.5, visibility: 'hidden' });
  root.append(cross, dot);
  const tip = h('div.chart-tip', { hidden: true });
  const overlay = svg('rect', { class: 'overlay', x: PAD.left, y: PAD.top, width: width - PAD.left - PAD.right, height: innerBottom - PAD.top });
  root.append(overlay);
  overlay.addEventListener('mousemove', (event) => {
    if (pts.length === 0) return;
    const box = root.getBoundingClientRect();
    // The SVG shrinks with its box on narrow screens (max-width: 100%): screen px → chart units.
    const scale = box.width / width || 1;
    const t = x.invert(((event as MouseEvent).clientX - box.left) / scale).getTime();
    const p = pts.reduce((best, q) => (Math.abs(q.time.getTime() - t) < Math.abs(best.time.getTime() - t) ? q : best));
    const px = x(p.time);
    cross.setAttribute('x1', String(px));
    cross.setAttribute('x2', String(px));
    cross.setAttribute('visibility', 'visible');
    dot.setAttribute('cx', String(px));
    dot.setAttribute('cy', String(y(p.mean)));
    dot.setAttribute('visibility', 'visible');
    tip.hidden = false;
    tip.replaceChildren(
      h('b', `${formatValue(p.mean)} ${input.unit}`),
      h('span', ` ${fmtTime(p.time.toISOString())} · ${formatValue(p.min)}–${formatValue(p.max)}`),
    );
    tip.style.left = `${Math.max(0, Math.min(px * scale + 10, box.width - 170))}px`;
    tip.style.top = `${Math.max(0, y(p.mean) * scale - 34)}px`;
  });
  overlay.addEventListener('mouseleave', () => {
    cross.setAttribute('visibility', 'hidden');
    dot.setAttribute('visibility', 'hidden');
    tip.hidden = true;
  });
  const legend = h(
    'div.chart-legend',
    h('span', h('i.lg-line'), 'Mean'),
    h('span', h('i.lg-band'), `Min–max per ${input.every ?? 'bucket'}`),
    input.limit ? h('span', h('i.lg-limit'), input.limit.source ?? 'Limit') : null,
    input.alarmAt ? h('span', h('i.lg-alarm'), 'Alarm') : null,
  );
  return h('div.chart-wrap', input.caption ? h('div.chart-caption', input.caption) : null, root, tip, legend);
}

export function formatValue(v: number): string {
  const abs = Math.abs(v);
  return abs >= 100 ? v.toFixed(0) : abs >= 10 ? v.toFixed(1) : String(Number(v.toFixed(2)));
}
