// The dashboard: what the gateway did with the mail of the last 24 hours, 7 or 30 days (GET /stats), and how
// the gateway itself is (GET /health, GET /directory/connections, the queues of /stats). Charts and cards;
// each chart's numbers are on hover and, for screen readers, in a visually hidden table.
import { useMemo, useState } from 'preact/hooks';
import { html } from '../html.js';
import { get, ApiError } from '../api.js';
import { useLoad, Loading, ErrorNote, Notice, PageHeader, Time } from '../ui.js';
import { ChartCanvas, NumbersTable } from '../components/chart_canvas.js';
import {
  RANGES, TRAFFIC, MODULES, loadStats, verdictOrder, verdictColour, verdictLabel,
} from '../components/chart_stats.js';
import './dashboard.css';

const number = new Intl.NumberFormat();
const hourLabel = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const hourTitle = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
const dayLabel = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', timeZone: 'UTC' });
const dayTitle = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

function bucketLabels(stats) {
  const dates = stats.buckets.map((b) => new Date(b.start));
  return stats.step === 'day'
    ? { short: dates.map((d) => dayLabel.format(d)), long: dates.map((d) => `${dayTitle.format(d)} (UTC)`) }
    : { short: dates.map((d) => hourLabel.format(d)), long: dates.map((d) => hourTitle.format(d)) };
}

function RangeSwitch({ value, onChange }) {
  return html`<div class="range-switch" role="group" aria-label="Time range">
    ${RANGES.map((r) => html`<button type="button" aria-pressed=${value.key === r.key ? 'true' : 'false'}
      data-testid=${'range-' + r.key} onClick=${() => onChange(r)}>${r.label}</button>`)}
  </div>`;
}

function Cards({ stats, range }) {
  return html`<div class="cards" data-testid="traffic-cards">
    ${TRAFFIC.map(({ key, label, hint }) => html`<div class=${'card traffic-' + key} data-testid=${'card-' + key}>
      <div class="value" data-testid=${'total-' + key}>${number.format(stats.totals.traffic[key])}</div>
      <div class="label">${label}</div>
      <small class="hint">${hint}</small>
    </div>`)}
  </div>`;
}

function peak(values, labels) {
  let best = 0;
  values.forEach((v, i) => { if (v > values[best]) best = i; });
  return values.length && values[best] > 0 ? `the most in one ${labels.unit}: ${number.format(values[best])} (${labels.long[best]})` : 'none at all';
}

// A time series chart of some traffic counters: lines (`line`) or stacked bars.
function TrafficChart({ stats, range, keys, type, title, testid }) {
  const labels = bucketLabels(stats);
  const unit = stats.step === 'day' ? 'day' : 'hour';
  const shown = TRAFFIC.filter((t) => keys.includes(t.key));
  const data = useMemo(() => ({
    labels: labels.short,
    datasets: shown.map((t) => ({
      label: t.label,
      data: stats.buckets.map((b) => b.traffic[t.key]),
      borderColor: t.colour,
      backgroundColor: t.colour,
      pointRadius: 2,
      tension: 0,
      stack: type === 'bar' ? 'traffic' : undefined,
    })),
  }), [stats]);
  const options = useMemo(() => ({
    scales: {
      x: { stacked: type === 'bar', ticks: { maxRotation: 0, autoSkip: true } },
      y: { stacked: type === 'bar', beginAtZero: true, ticks: { precision: 0 } },
    },
    plugins: { tooltip: { callbacks: { title: (items) => (items.length ? labels.long[items[0].dataIndex] : '') } } },
  }), [stats]);
  const summary = `${title}, per ${unit}, ${range.long}: ` + shown.map((t) => {
    const values = stats.buckets.map((b) => b.traffic[t.key]);
    return `${t.label.toLowerCase()} ${number.format(stats.totals.traffic[t.key])} in all, ${peak(values, { ...labels, unit })}`;
  }).join('; ') + '.';
  return html`<${ChartCanvas} type=${type} data=${data} options=${options} title=${title} summary=${summary} testid=${testid}>
    <${NumbersTable} caption=${`${title} per ${unit}`} rowHeader=${unit === 'day' ? 'Day' : 'Hour'}
      columns=${shown.map((t) => t.label)}
      rows=${stats.buckets.map((b, i) => [labels.long[i], ...shown.map((t) => number.format(b.traffic[t.key]))])} />
  </${ChartCanvas}>`;
}

// One horizontal bar per module, stacked by verdict (the worst first, coloured by how bad it is).
function VerdictChart({ stats, range }) {
  const modules = MODULES.filter(([key]) => stats.totals.verdicts[key]);
  const extra = Object.keys(stats.totals.verdicts).filter((k) => !MODULES.some(([m]) => m === k)).map((k) => [k, k]);
  const rows = [...modules, ...extra];
  const verdicts = [...new Set(rows.flatMap(([key]) => Object.keys(stats.totals.verdicts[key])))]
    .sort((a, b) => verdictOrder(a) - verdictOrder(b));
  const value = (module, verdict) => (stats.totals.verdicts[module] || {})[verdict] || 0;
  const used = verdicts.filter((v) => rows.some(([m]) => value(m, v) > 0));
  const data = useMemo(() => ({
    labels: rows.map(([, label]) => label),
    datasets: used.map((v) => ({
      label: verdictLabel(v),
      data: rows.map(([m]) => value(m, v)),
      backgroundColor: verdictColour(v),
      borderColor: '#ffffff',
      borderWidth: 1,
      stack: 'verdicts',
    })),
  }), [stats]);
  const options = useMemo(() => ({
    indexAxis: 'y',
    interaction: { mode: 'nearest', intersect: true },
    scales: { x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }, y: { stacked: true } },
    plugins: {
      legend: { position: 'bottom', labels: { boxWidth: 12 } },
      tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${number.format(item.parsed.x)}` } },
    },
  }), [stats]);
  const sentence = ([module, label]) => {
    const found = used.filter((v) => value(module, v) > 0).map((v) => `${verdictLabel(v)} ${number.format(value(module, v))}`);
    return `${label}: ${found.length ? found.join(', ') : 'no scans'}`;
  };
  const title = 'Verdicts per module';
  if (used.length === 0) {
    return html`<figure class="chart" data-testid="chart-verdicts"><figcaption class="chart-title">${title}</figcaption>
      <p class="empty">No scans in ${range.long}.</p></figure>`;
  }
  return html`<${ChartCanvas} type="bar" data=${data} options=${options} title=${title} testid="chart-verdicts"
      summary=${`${title}, ${range.long}. ` + rows.map(sentence).join('. ') + '.'}>
    <${NumbersTable} caption=${`${title}, ${range.long}`} rowHeader="Module" columns=${used.map(verdictLabel)}
      rows=${rows.map(([m, label]) => [label, ...used.map((v) => number.format(value(m, v)))])} />
  </${ChartCanvas}>`;
}

const shortened = (label) => (label.length > 34 ? label.slice(0, 33) + '…' : label);

// The senders (or domains) with the most messages held in Backup.
function TopChart({ items, title, what, colour, testid, range }) {
  const data = useMemo(() => ({
    labels: items.map((i) => i.label),
    datasets: [{ label: 'Held messages', data: items.map((i) => i.count), backgroundColor: colour, maxBarThickness: 26 }],
  }), [items]);
  const options = useMemo(() => ({
    indexAxis: 'y',
    scales: {
      x: { beginAtZero: true, ticks: { precision: 0 } },
      // a long address is cut on the axis; the tooltip and the table beside the chart have it whole
      y: { ticks: { autoSkip: false, callback(value) { return shortened(this.getLabelForValue(value)); } } },
    },
    plugins: { legend: { display: false } },
  }), [items]);
  if (items.length === 0) {
    return html`<figure class="chart" data-testid=${testid}><figcaption class="chart-title">${title}</figcaption>
      <p class="empty">Nothing was held in ${range.long}.</p></figure>`;
  }
  const summary = `${title}, ${range.long}: ` + items.map((i) => `${i.label} ${number.format(i.count)}`).join(', ') + '.';
  return html`<${ChartCanvas} type="bar" data=${data} options=${options} title=${title} summary=${summary} testid=${testid}>
    <${NumbersTable} caption=${title} rowHeader=${what} columns=${['Held messages']}
      rows=${items.map((i) => [i.label, number.format(i.count)])} />
  </${ChartCanvas}>`;
}

function Queues({ queues }) {
  if (!queues || queues.length === 0) return html`<p class="empty">The API reports no queues.</p>`;
  return html`<div class="cards" data-testid="queues">
    ${queues.map((q) => {
      const alarm = q.deadLetter && q.depth && q.depth.visible > 0;
      return html`<div class=${'card' + (alarm ? ' alarm' : '')} data-testid=${'queue-' + q.name}>
        <div class="value">${q.depth ? number.format(q.depth.visible) : '?'}</div>
        <div class="label">${q.label}</div>
        <small class="hint">${q.depth ? `waiting; ${number.format(q.depth.inFlight)} being processed` : 'depth unknown: the queue could not be read'}</small>
        ${alarm && html`<small class="badge bad">messages that failed processing</small>`}
      </div>`;
    })}
  </div>`;
}

function hours(value) {
  if (value === null || value === undefined) return 'unknown';
  if (value < 1) return 'under an hour';
  return value >= 48 ? `${number.format(Math.round(value / 24))} days` : `${number.format(Math.round(value * 10) / 10)} hours`;
}

function Health({ health }) {
  const { signatures, engines, models, warnings } = health;
  const model = models && models.antispam;
  return html`<div class="cards" data-testid="health">
    <div class=${'card' + (signatures && signatures.stale ? ' alarm' : '')} data-testid="signatures">
      <div class="label">Anti-virus signatures</div>
      ${signatures
        ? html`<div class="value">${hours(signatures.age_hours)}</div>
          <small class="hint">old${signatures.max_age_hours != null ? ` (stale after ${hours(signatures.max_age_hours)})` : ''}</small>
          ${signatures.stale ? html`<span class="badge bad">stale</span>` : html`<span class="badge good">current</span>`}
          <dl class="facts">
            ${signatures.engine && html`<dt>Engine</dt><dd>${signatures.engine}</dd>`}
            ${signatures.database_version != null && html`<dt>Database</dt><dd>version ${signatures.database_version}</dd>`}
            ${signatures.database_date && html`<dt>Built</dt><dd><${Time} iso=${signatures.database_date} /></dd>`}
            ${signatures.reported_at && html`<dt>Reported</dt><dd><${Time} iso=${signatures.reported_at} /></dd>`}
          </dl>`
        : html`<div class="value">—</div><small class="hint">No signature status has been reported yet.</small>`}
    </div>
    ${Object.entries(engines || {}).map(([scanner, e]) => html`<div class=${'card' + (e.state === 'down' ? ' alarm' : '')}
        data-testid=${'engine-' + scanner}>
      <div class="label">Engine of ${scanner}</div>
      <div class="value">${e.state || 'unknown'}</div>
      <small class="hint">${e.engine || ''}${e.address ? ` at ${e.address}` : ''}</small>
      ${e.since && html`<small class="hint">since <${Time} iso=${e.since} /></small>`}
      ${e.detail && html`<small class="hint">${e.detail}</small>`}
    </div>`)}
    ${model && html`<div class="card" data-testid="antispam-model">
      <div class="label">Anti-spam model</div>
      <div class="value">v${model.version}</div>
      <small class="hint">learned from ${number.format(model.spam_messages)} spam and ${number.format(model.ham_messages)} other messages</small>
      ${model.updated_at && html`<small class="hint">updated <${Time} iso=${model.updated_at} />${model.updated_by ? ` by ${model.updated_by}` : ''}</small>`}
    </div>`}
  </div>
  ${warnings && warnings.length > 0 && html`<div class="notice warn" data-testid="health-warnings">
    <strong>The gateway warns:</strong>
    <ul>${warnings.map((w) => html`<li>${w}</li>`)}</ul>
  </div>`}`;
}

const SYNC_BADGE = { ok: 'good', warning: '', failed: 'bad', never: '' };

function DirectorySync({ connections }) {
  if (connections.unavailable) return html`<p class="empty">No directory is configured for this gateway.</p>`;
  if (connections.items.length === 0) return html`<p class="empty">No directory connections. <a href="/directory">Add one</a>.</p>`;
  return html`<div class="cards" data-testid="directory-sync">
    ${connections.items.map((c) => html`<div class=${'card' + (c.status.state === 'failed' ? ' alarm' : '')}>
      <div class="label"><a href="/directory">${c.name}</a> (${c.domain})</div>
      <div class="value"><span class=${'badge ' + (SYNC_BADGE[c.status.state] || '')}>${c.status.state}</span></div>
      <small class="hint">last success: <${Time} iso=${c.status.last_success} /></small>
      ${c.status.last_error && html`<small class="hint problem-text">last error: ${c.status.last_error}</small>`}
    </div>`)}
  </div>`;
}

async function loadConnections() {
  try {
    return await get('/directory/connections');
  } catch (error) {
    if (error instanceof ApiError && error.status === 503) return { unavailable: true, items: [] };
    throw error;
  }
}

function Section({ title, state, children, what }) {
  return html`<section class="dashboard-section" aria-labelledby=${'h-' + what}>
    <h2 id=${'h-' + what}>${title}</h2>
    ${state.loading && !state.data ? html`<${Loading} what=${`Loading ${title.toLowerCase()}`} />` : null}
    <${ErrorNote} error=${state.error} />
    ${state.data && children(state.data)}
  </section>`;
}

export default function Dashboard() {
  const [range, setRange] = useState(RANGES[0]);
  const stats = useLoad(() => loadStats(range), [range.key]);
  const health = useLoad(() => get('/health'), []);
  const connections = useLoad(loadConnections, []);
  const data = stats.data;
  return html`<${PageHeader} title="Dashboard">
      <${RangeSwitch} value=${range} onChange=${setRange} />
      <button type="button" onClick=${() => { stats.reload(); health.reload(); connections.reload(); }}>Refresh</button>
    </${PageHeader}>
    ${stats.loading && html`<${Loading} what="Counting the mail" />`}
    <${ErrorNote} error=${stats.error} />
    ${data && data.missing && html`<${Notice} kind="warn"><span data-testid="stats-missing">This admin API does not
      offer traffic statistics (GET /stats answered 404), so the mail counts and charts cannot be shown. The gateway's
      health and directory sync below, and the message trace, still work.</span></${Notice}>`}
    ${data && !data.missing && data.warnings.length > 0 && html`<div class="notice warn" role="status" data-testid="stats-warnings">
      <strong>Some numbers are missing:</strong><ul>${data.warnings.map((w) => html`<li>${w}</li>`)}</ul></div>`}
    ${data && !data.missing && html`<section class="dashboard-section" aria-labelledby="h-mail" aria-busy=${stats.loading ? 'true' : 'false'}
        data-range=${data.range.key}>
      <h2 id="h-mail">Mail, ${data.range.long}</h2>
      <${Cards} stats=${data} range=${data.range} />
      <div class="charts">
        <${TrafficChart} stats=${data} range=${data.range} keys=${['received', 'delivered']} type="line"
          title="Received and delivered" testid="chart-traffic" />
        <${TrafficChart} stats=${data} range=${data.range} keys=${['held', 'rejected', 'deleted', 'delivery_failed']} type="bar"
          title="Held, rejected, deleted and failed" testid="chart-outcomes" />
        <${VerdictChart} stats=${data} range=${data.range} />
        <${TopChart} items=${data.topSenders} title="Top senders held" what="Sender" colour="#E69F00"
          testid="chart-top-senders" range=${data.range} />
        <${TopChart} items=${data.topDomains} title="Top sender domains held" what="Domain" colour="#D55E00"
          testid="chart-top-domains" range=${data.range} />
      </div>
      ${data.heldSample && !data.heldSample.complete && html`<p class="hint">The top senders and domains are
        counted from the ${number.format(data.heldSample.read)} most recent entries held in this range, not all of them.</p>`}
    </section>
    <section class="dashboard-section" aria-labelledby="h-queues">
      <h2 id="h-queues">Queues</h2>
      <${Queues} queues=${data.queues} />
    </section>`}
    <${Section} title="Gateway health" what="health" state=${health}>${(h) => html`<${Health} health=${h} />`}</${Section}>
    <${Section} title="Directory sync" what="directory" state=${connections}>${(c) => html`<${DirectorySync} connections=${c} />`}</${Section}>
    <p class="hint">Times are shown in your time zone; days are counted in UTC.
      Trace a single message in the <a href="/trace">message trace</a>.</p>`;
}
