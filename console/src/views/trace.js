// Message trace: search the event log (GET /events) by sender, recipient, subject, Message-ID, sender IP,
// verdict, action, rule, kind and time; the results per message (or each event), paged with the API's
// cursors; a message opens its timeline and explanation (/trace/<id>). The search lives in the address, so
// the browser's Back returns to it; the same query can be exported (GET /events/export).
import { useEffect, useMemo, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { html } from '../html.js';
import { api, get, seg, ApiError } from '../api.js';
import {
  usePages, Pager, Time, Loading, ErrorNote, Notice, PageHeader, TextInput, Select, Table, useAction, Progress,
} from '../ui.js';
import { can, READERS } from '../roles.js';
import {
  KINDS, ACTIONS, VERDICTS, OUTCOMES, kindLabel, kindTone, actionLabel, recipientsOf, LAST_SEARCH,
} from '../components/trace_kinds.js';
import './trace.css';

// The filters, named as GET /events names its query parameters.
const FILTERS = ['sender', 'recipient', 'subject', 'message_id_header', 'sender_ip', 'verdict', 'action', 'rule', 'kind', 'from', 'to'];
const PAGE_SIZE = 100;

function filtersOf(query) {
  return Object.fromEntries(FILTERS.map((name) => [name, (query && query[name]) || '']));
}

const pad = (n) => String(n).padStart(2, '0');

// ISO (UTC) ↔ the value of a datetime-local input (the user's time zone).
function toLocalInput(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function fromLocalInput(value) {
  if (!value) return '';
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}

// The API names a bad parameter in a 400 (`field`), in a 422's problems (`query.<name>`), or, for a range
// longer than it reads, not at all: every one becomes a problem at `query.<name>` shown beside its field.
function located(error) {
  if (!(error instanceof ApiError)) return error;
  const problems = [...error.problems];
  if (error.field && !problems.length) problems.push({ path: `query.${error.field}`, message: error.message });
  if (error.code === 'range_too_large' && !problems.length) problems.push({ path: 'query.from', message: error.message });
  if (problems.length === error.problems.length) return error;
  return new ApiError(error.status, { ...error.body, problems });
}

const atField = (error) => error instanceof ApiError
  && error.problems.some((p) => FILTERS.some((name) => p.path === `query.${name}`));

function SearchForm({ initial, error, onSearch, onClear }) {
  const [form, setForm] = useState(initial);
  useEffect(() => setForm(initial), [JSON.stringify(initial)]);
  const set = (name) => (value) => setForm({ ...form, [name]: value });
  const text = (name, label, extra = {}) => html`<${TextInput} label=${label} value=${form[name]} onInput=${set(name)}
    path=${`query.${name}`} error=${error} name=${name} data-testid=${'filter-' + name} ...${extra} />`;
  const submit = (e) => {
    e.preventDefault();
    onSearch(form);
  };
  return html`<form class="trace-search" onSubmit=${submit} aria-label="Search the event log" data-testid="trace-search">
    <div class="form-row">
      ${text('subject', 'Subject contains')}
      ${text('sender', 'Sender contains', { autocomplete: 'off' })}
      ${text('recipient', 'Recipient contains', { autocomplete: 'off' })}
      ${text('message_id_header', 'Message-ID header')}
    </div>
    <div class="form-row">
      ${text('sender_ip', 'Sender IP', { inputmode: 'text', autocomplete: 'off' })}
      ${text('verdict', 'Verdict', { list: 'trace-verdicts', autocomplete: 'off' })}
      <datalist id="trace-verdicts">${VERDICTS.map((v) => html`<option value=${v}></option>`)}</datalist>
      <${Select} label="Action" value=${form.action} onChange=${set('action')} path="query.action" error=${error}
        options=${[{ value: '', label: 'Any action' }, ...ACTIONS.map(([value, label]) => ({ value, label }))]} />
      ${text('rule', 'Rule name')}
      <${Select} label="Event kind" value=${form.kind} onChange=${set('kind')} path="query.kind" error=${error}
        options=${[{ value: '', label: 'Any kind' }, ...KINDS.map(([value, label]) => ({ value, label }))]} />
    </div>
    <div class="form-row">
      <${TextInput} type="datetime-local" label="From (your time)" value=${toLocalInput(form.from)} step="60"
        onInput=${(v) => setForm({ ...form, from: fromLocalInput(v) })} path="query.from" error=${error}
        hint="Empty: 24 hours before To" data-testid="filter-from" />
      <${TextInput} type="datetime-local" label="To (your time)" value=${toLocalInput(form.to)} step="60"
        onInput=${(v) => setForm({ ...form, to: fromLocalInput(v) })} path="query.to" error=${error}
        hint="Empty: now" data-testid="filter-to" />
      <div class="actions">
        <button type="submit" class="primary" data-testid="trace-search-submit">Search</button>
        <button type="button" onClick=${onClear}>Clear</button>
      </div>
    </div>
  </form>`;
}

// The page's events per message, in the order they first appear.
function perMessage(events) {
  const found = new Map();
  for (const event of events) {
    let m = found.get(event.message_id);
    if (!m) {
      m = { message_id: event.message_id, at: event.at, sender: null, subject: null, recipients: new Set(),
        kinds: new Set(), actions: new Set(), count: 0 };
      found.set(event.message_id, m);
    }
    m.count += 1;
    if (m.sender === null && event.sender !== null && event.sender !== undefined) m.sender = event.sender;
    if (m.subject === null && event.subject !== null && event.subject !== undefined) m.subject = event.subject;
    recipientsOf(event).forEach((r) => m.recipients.add(r));
    m.kinds.add(event.kind);
    if (event.action) m.actions.add(event.action);
  }
  return [...found.values()];
}

const messageLink = (id, text) => html`<a href=${'/trace/' + seg(id)} data-testid="trace-open">${text}</a>`;
const subjectText = (subject) => (subject ? subject : html`<em>(no subject)</em>`);

function Outcome({ message }) {
  const reached = OUTCOMES.filter(([kind]) => message.kinds.has(kind));
  return html`<span class="outcomes">
    ${reached.map(([kind, label]) => html`<span class=${'badge ' + kindToneClass(kind)}>${label}</span> `)}
    ${reached.length === 0 && html`<span class="muted">no outcome among these events</span>`}
    ${message.actions.size > 0 && html`<small class="muted"> (${[...message.actions].map(actionLabel).join(', ')})</small>`}
  </span>`;
}

const kindToneClass = (kind) => ({ good: 'good', bad: 'bad', warn: 'warn' }[kindTone(kind)] || '');

function MessageResults({ events }) {
  const messages = perMessage(events);
  return html`<${Table} caption=${`Messages on this page (${messages.length}), from ${events.length} events`}
    rowKey=${(m) => m.message_id} rows=${messages} empty="No matching events on this page."
    columns=${[
      { label: 'First event', render: (m) => html`<${Time} iso=${m.at} />` },
      { label: 'Sender', render: (m) => html`<span class="address">${m.sender || '<>'}</span>` },
      { label: 'Recipients', render: (m) => html`<span class="address">${[...m.recipients].join(', ') || '—'}</span>` },
      { label: 'Subject', render: (m) => messageLink(m.message_id, subjectText(m.subject)) },
      { label: 'Outcome', render: (m) => html`<${Outcome} message=${m} />` },
    ]} />`;
}

function EventResults({ events }) {
  return html`<${Table} caption=${`Events on this page (${events.length}), oldest first`} rows=${events}
    empty="No matching events on this page."
    columns=${[
      { label: 'Time', render: (e) => html`<${Time} iso=${e.at} />` },
      { label: 'Event', render: (e) => html`<span class=${'badge ' + kindToneClass(e.kind)}>${kindLabel(e.kind)}</span>` },
      { label: 'What happened', render: (e) => e.summary },
      { label: 'Sender', render: (e) => html`<span class="address">${e.sender ?? '—'}</span>` },
      { label: 'Recipient', render: (e) => html`<span class="address">${e.recipient || '—'}</span>` },
      { label: 'Subject', render: (e) => messageLink(e.message_id, subjectText(e.subject)) },
    ]} />`;
}

// Save what the API answered as a file (the export needs the token, so it is fetched, not linked).
async function download(filters, format) {
  const response = await api('GET', '/events/export', { query: { ...filters, format }, raw: true });
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = `events.${format}`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  return { format, more: response.headers.get('X-Next-Cursor') !== null };
}

function Export({ filters }) {
  const exporting = useAction((format) => download(filters, format));
  return html`<div class="actions export" role="group" aria-label="Export these events">
    <button type="button" disabled=${exporting.busy} onClick=${() => exporting.run('csv')} data-testid="export-csv">Export CSV</button>
    <button type="button" disabled=${exporting.busy} onClick=${() => exporting.run('json')} data-testid="export-json">Export JSON</button>
    ${exporting.busy && html`<${Progress} label="Exporting the events" />`}
    ${exporting.result && exporting.result.more && html`<${Notice} kind="warn">The file holds the first 2,000 matching
      events; narrow the time range to export the rest.</${Notice}>`}
    <${ErrorNote} error=${exporting.error} />
  </div>`;
}

export default function Trace() {
  const { query, route, url } = useLocation();
  const filters = useMemo(() => filtersOf(query), [url]);
  const view = query.view === 'events' ? 'events' : 'messages';
  const searched = FILTERS.some((name) => filters[name]);
  const key = JSON.stringify(filters);
  const pages = usePages((cursor) => get('/events', { ...filters, limit: PAGE_SIZE, cursor }), [key]);
  const error = located(pages.error);
  useEffect(() => {
    try {
      sessionStorage.setItem(LAST_SEARCH, url);
    } catch {
      /* storage refused: the message page then leads to an empty search */
    }
  }, [url]);
  const go = (values, shown = view) => {
    const params = new URLSearchParams();
    for (const name of FILTERS) if (values[name]) params.set(name, values[name].trim ? values[name].trim() : values[name]);
    if (shown === 'events') params.set('view', 'events');
    const text = params.toString();
    route('/trace' + (text ? '?' + text : ''));
  };
  const switchView = (shown) => go(filters, shown);
  const events = (pages.data && pages.data.events) || [];
  return html`<${PageHeader} title="Message trace" />
    <p class="hint">Search the event log: text filters match part of the value, case ignored; verdict, action,
      rule, kind and sender IP match exactly. Without a time range, the last 24 hours are searched.</p>
    <${SearchForm} initial=${filters} error=${error} onSearch=${(values) => go(values)} onClear=${() => go({})} />
    <section aria-labelledby="trace-results-title" data-testid="trace-results">
      <div class="results-header">
        <h2 id="trace-results-title">${searched ? 'Matching events' : 'Events of the last 24 hours'}</h2>
        <div class="tabs" role="group" aria-label="Show the results">
          <button type="button" aria-pressed=${view === 'messages' ? 'true' : 'false'} onClick=${() => switchView('messages')}>Per message</button>
          <button type="button" aria-pressed=${view === 'events' ? 'true' : 'false'} onClick=${() => switchView('events')}>Every event</button>
        </div>
        ${can(READERS) && html`<${Export} filters=${filters} />`}
      </div>
      ${pages.loading && html`<${Loading} what="Searching the event log" />`}
      ${error && !atField(error) && html`<${ErrorNote} error=${error} />`}
      ${error && atField(error) && html`<p class="error" role="alert">Correct the search: ${error.message}</p>`}
      ${!pages.loading && pages.data && (view === 'events' ? html`<${EventResults} events=${events} />` : html`<${MessageResults} events=${events} />`)}
      ${!pages.loading && pages.data && events.length === 0 && pages.hasNext && html`<p class="hint">None on this page,
        but the search has not read the whole range yet: go to the next page.</p>`}
      ${view === 'messages' && events.length > 0 && pages.hasNext && html`<p class="hint">A message whose events continue
        on the next page appears there again.</p>`}
      <${Pager} pages=${pages} label="Pages of events" />
    </section>`;
}
