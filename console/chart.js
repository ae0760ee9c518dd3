// Time-series charts with uPlot, served by the server from the installed package (console.md §5).
import uPlot from '/vendor/uplot/uPlot.esm.js';
import { h } from './dom.js';

/** A fixed colour per category, so the same category looks the same on every page. */
export const CATEGORY_COLOURS = {
  admin: '#c2410c',
  authentication: '#1d4ed8',
  content: '#15803d',
  api_access: '#7c3aed',
  code: '#0e7490',
  integration: '#a16207',
  other: '#6b7280',
};
const SPARE = ['#be185d', '#4d7c0f', '#0369a1', '#9333ea'];

/**
 * A line chart of days (ISO dates of UTC day starts) against one or more named series of counts. Returns the
 * element; the chart is drawn once the element is in the page and follows its width.
 */
export function dayChart(title, days, series) {
  const el = h('div', { class: 'chart', role: 'img', 'aria-label': `${title}: ${days.length} days, series ${series.map((s) => s.name).join(', ')}` });
  const xs = days.map((d) => Date.parse(d) / 1000);
  const data = [xs, ...series.map((s) => s.values)];
  let plot = null;
  const width = () => Math.max(280, el.clientWidth || 600);
  const draw = () => {
    plot = new uPlot(
      {
        title,
        width: width(),
        height: 260,
        scales: { x: { time: true } },
        axes: [{}, { size: 60 }],
        series: [
          { label: 'day', value: (_, v) => (v === null ? '—' : new Date(v * 1000).toISOString().slice(0, 10)) },
          ...series.map((s, i) => ({
            label: s.name,
            stroke: CATEGORY_COLOURS[s.name] ?? SPARE[i % SPARE.length],
            width: 2,
            points: { show: days.length < 40 },
          })),
        ],
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
      },
      data,
      el,
    );
  };
  // Drawn once the element is in the page and has a width (a quiet refresh builds the page off-screen and
  // swaps it in later), then kept as wide as its box.
  let frames = 0;
  const whenShown = () => {
    if (!el.isConnected) {
      if (++frames < 3_600) requestAnimationFrame(whenShown);
      return;
    }
    draw();
    new ResizeObserver(() => plot && plot.setSize({ width: width(), height: 260 })).observe(el);
  };
  requestAnimationFrame(whenShown);
  return el;
}
