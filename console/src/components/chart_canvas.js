// A Chart.js chart as a Preact component: only the controllers, elements, scales and plugins the dashboard
// draws are registered (the rest of Chart.js is tree-shaken out of the build). The canvas is an image to
// assistive technology (`role="img"` with a summary in `aria-label`); the same numbers are in a visually
// hidden table beside it (`children`), so nothing is only on hover.
import { useEffect, useRef } from 'preact/hooks';
import {
  Chart,
  BarController,
  LineController,
  BarElement,
  LineElement,
  PointElement,
  CategoryScale,
  LinearScale,
  Tooltip,
  Legend,
} from 'chart.js';
import { html } from '../html.js';

Chart.register(BarController, LineController, BarElement, LineElement, PointElement, CategoryScale, LinearScale,
  Tooltip, Legend);

// Okabe–Ito: told apart with every common colour-vision deficiency.
export const COLOURS = {
  blue: '#0072B2',
  green: '#009E73',
  orange: '#E69F00',
  vermillion: '#D55E00',
  purple: '#CC79A7',
  sky: '#56B4E9',
  yellow: '#F0E442',
  black: '#1b1f24',
  grey: '#8a939c',
};

const BASE_OPTIONS = {
  responsive: true,
  maintainAspectRatio: false,
  animation: false, // the numbers at once: no motion for those who asked for none, and stable screenshots
  interaction: { mode: 'index', intersect: false },
  plugins: {
    legend: { position: 'bottom', labels: { boxWidth: 12 } },
    tooltip: { enabled: true },
  },
};

function merged(options) {
  return {
    ...BASE_OPTIONS,
    ...options,
    plugins: { ...BASE_OPTIONS.plugins, ...(options && options.plugins) },
  };
}

// `title`: the chart's heading; `summary`: what the canvas says in words (its aria-label); `children`: the
// numbers as text for screen readers (see NumbersTable).
export function ChartCanvas({ type, data, options, title, summary, testid, children }) {
  const canvas = useRef(null);
  const chart = useRef(null);
  useEffect(() => {
    chart.current = new Chart(canvas.current, { type, data, options: merged(options) });
    return () => {
      chart.current.destroy();
      chart.current = null;
    };
  }, [type]);
  useEffect(() => {
    if (!chart.current) return;
    chart.current.data = data;
    chart.current.options = merged(options);
    chart.current.update();
  }, [data, options]);
  return html`<figure class="chart" data-testid=${testid}>
    <figcaption class="chart-title">${title}</figcaption>
    <div class="chart-box"><canvas ref=${canvas} role="img" aria-label=${summary}></canvas></div>
    <div class="visually-hidden">${children}</div>
  </figure>`;
}

// The numbers behind a chart as a plain table: `columns` are the series' names, `rows` [label, ...values].
export function NumbersTable({ caption, rowHeader, columns, rows }) {
  return html`<table>
    <caption>${caption}</caption>
    <thead><tr><th scope="col">${rowHeader}</th>${columns.map((c) => html`<th scope="col">${c}</th>`)}</tr></thead>
    <tbody>${rows.map(([label, ...values]) => html`<tr><th scope="row">${label}</th>${values.map((v) => html`<td>${v}</td>`)}</tr>`)}</tbody>
  </table>`;
}
