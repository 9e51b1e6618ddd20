/**
 * A horizontal bar chart for a report: one bar per row, its label at the left and its value at the
 * end of the bar. Scales from d3-scale (band for rows, linear for values); plain SVG, so it
 * prints, scales with its box and needs no runtime styling.
 */
import { scaleBand, scaleLinear } from 'd3-scale';
import { svg } from '../../shared/dom';

export interface Bar {
  label: string;
  value: number;
}

const text = (value: string): Text => document.createTextNode(value);

export function barChart(bars: readonly Bar[], options: { title: string; format: (v: number) => string; width?: number }): SVGElement {
  const width = options.width ?? 640;
  const row = 26;
  const left = Math.min(220, Math.max(90, Math.max(...bars.map((b) => b.label.length)) * 6.5 + 12));
  const right = 70;
  const height = bars.length * row + 16;
  const y = scaleBand<number>()
    .domain(bars.map((_, i) => i))
    .range([8, height - 8])
    .padding(0.22);
  const max = Math.max(0, ...bars.map((b) => b.value));
  const min = Math.min(0, ...bars.map((b) => b.value));
  const x = scaleLinear()
    .domain([min, max > min ? max : min + 1])
    .range([left, width - right]);
  const root = svg('svg', {
    class: 'bar-chart',
    viewBox: `0 0 ${width} ${height}`,
    width: '100%',
    role: 'img',
    'aria-label': options.title,
    preserveAspectRatio: 'xMinYMin meet',
  });
  root.append(svg('title', {}, text(options.title)));
  root.append(svg('line', { class: 'axis-line', x1: x(0), x2: x(0), y1: 4, y2: height - 4 }));
  bars.forEach((bar, i) => {
    const top = y(i)!;
    const x0 = x(Math.min(0, bar.value));
    const x1 = x(Math.max(0, bar.value));
    const label = bar.label.length > 32 ? `${bar.label.slice(0, 31)}…` : bar.label;
    root.append(svg('text', { class: 'bar-label', x: left - 8, y: top + y.bandwidth() / 2 + 4, 'text-anchor': 'end' }, text(label)));
    root.append(svg('rect', { class: bar.value < 0 ? 'bar bar-neg' : 'bar', x: x0, y: top, width: Math.max(1, x1 - x0), height: y.bandwidth(), rx: 3 }));
    root.append(svg('text', { class: 'bar-value', x: x1 + 6, y: top + y.bandwidth() / 2 + 4 }, text(options.format(bar.value))));
  });
  return root;
}
