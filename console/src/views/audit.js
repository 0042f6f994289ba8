// The audit trail: configuration changes, newest first (GET /audit, paged with its cursors): who, when,
// which endpoint, and each changed value before → after.
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { get } from '../api.js';
import { ErrorNote, Loading, PageHeader, Pager, Time, usePages } from '../ui.js';
import { ChangeList } from '../components/settings_section.js';
import './settings.css';

const PAGE_SIZE = 20;

// A date picked in the user's time zone as the API's UTC instant; `to` is exclusive, so the day after.
function instant(date, dayAfter = false) {
  if (!date) return undefined;
  const moment = new Date(`${date}T00:00:00`);
  if (dayAfter) moment.setDate(moment.getDate() + 1);
  return Number.isNaN(moment.getTime()) ? undefined : moment.toISOString();
}

function Entry({ entry }) {
  return html`<article class="audit-entry" data-testid="audit-entry">
    <header>
      <strong><${Time} iso=${entry.at} /></strong>
      <span>by <strong data-testid="audit-actor">${entry.actor || entry.subject}</strong></span>
      <code data-testid="audit-operation">${entry.operation}</code>
      <span class="badge">version ${entry.version_before} → ${entry.version_after}</span>
    </header>
    ${entry.changes.length === 0
      ? html`<p class="empty">No value changed.</p>`
      : html`<${ChangeList} items=${entry.changes.map((c) => ({ ...c, path: c.path.replace(/^\$\./, '') }))}
          caption=${`${entry.changes.length} changed value${entry.changes.length === 1 ? '' : 's'}`} />`}
  </article>`;
}

export default function Audit() {
  const [range, setRange] = useState({ from: '', to: '' });
  const [draft, setDraft] = useState({ from: '', to: '' });
  const pages = usePages((cursor) => get('/audit', { limit: PAGE_SIZE, cursor, from: instant(range.from), to: instant(range.to, true) }),
    [range.from, range.to]);
  const items = (pages.data && pages.data.items) || [];
  const apply = (e) => {
    e.preventDefault();
    setRange({ ...draft });
  };
  return html`<${PageHeader} title="Audit trail" />
    <form class="form-row" onSubmit=${apply} aria-label="Time range">
      <div class="field"><label for="audit-from">From (day)</label>
        <input id="audit-from" type="date" value=${draft.from} onInput=${(e) => setDraft({ ...draft, from: e.currentTarget.value })} /></div>
      <div class="field"><label for="audit-to">To (day, included)</label>
        <input id="audit-to" type="date" value=${draft.to} onInput=${(e) => setDraft({ ...draft, to: e.currentTarget.value })} /></div>
      <div class="actions"><button type="submit">Show</button></div>
    </form>
    <p class="hint">Newest first; without dates, the last 30 days.</p>
    ${pages.error && html`<${ErrorNote} error=${pages.error} />`}
    ${pages.loading && !pages.data && html`<${Loading} what="Loading the audit trail" />`}
    ${pages.data && items.length === 0 && html`<p class="empty">No change in this time range.</p>`}
    <section aria-label="Changes" data-testid="audit-list">${items.map((entry) => html`<${Entry} key=${entry.entry_id} entry=${entry} />`)}</section>
    <${Pager} pages=${pages} label="Audit trail pages" />`;
}
