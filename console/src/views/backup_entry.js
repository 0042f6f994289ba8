// One Backup entry: the safe view (headers, the text, attachments with their true type and findings, the named
// tests, the decision path — everything as text, never the sender's markup), the sending history, and what the
// user's roles let them do with it. A personal user reaches their own entries here too.
import { useLocation } from 'preact-iso';
import { html } from '../html.js';
import { get, seg } from '../api.js';
import { can, READERS } from '../roles.js';
import { useLoad, Time, PageHeader, ErrorNote, Loading, Notice, Table } from '../ui.js';
import { EntryActions } from '../components/backup_actions.js';
import { WhyKept, ReleasedBadge } from '../components/backup_search.js';
import './backup.css';

const size = (bytes) => (bytes >= 1048576 ? `${(bytes / 1048576).toFixed(1)} MB`
  : bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${bytes} bytes`);

function Summary({ entry, view }) {
  return html`<dl class="entry-summary" data-testid="entry-summary">
    <dt>Kept</dt><dd><${Time} iso=${entry.created_at} /></dd>
    <dt>Sender</dt><dd class="address" data-testid="entry-sender">${entry.sender || '(empty sender)'}</dd>
    <dt>Recipients</dt><dd class="address">${entry.recipients.join(', ')}</dd>
    <dt>Subject</dt><dd data-testid="entry-subject">${entry.subject || '(no subject)'}</dd>
    <dt>Why it was kept</dt><dd><${WhyKept} entry=${entry} /></dd>
    ${Object.keys(entry.verdicts || {}).length > 0 && html`<dt>Verdicts</dt><dd>${Object.entries(entry.verdicts)
      .map(([scanner, verdict]) => html`<span class="badge">${scanner}: ${verdict}</span> `)}</dd>`}
    <dt>State</dt><dd><${ReleasedBadge} entry=${entry} />${entry.released_to.length > 0 && html` to <span class="address">${entry.released_to.join(', ')}</span>`}</dd>
    <dt>Size</dt><dd>${size(entry.size)}</dd>
    <dt>Message-ID header</dt><dd class="address">${entry.header_message_id || '—'}</dd>
    ${entry.sender_ip && html`<dt>Sender IP</dt><dd>${entry.sender_ip}</dd>`}
    <dt>Gateway id</dt><dd>${can(READERS) ? html`<a href=${'/trace/' + encodeURIComponent(entry.message_id)}>${entry.message_id}</a>`
      : entry.message_id}</dd>
    ${entry.error && html`<dt>Error</dt><dd>${entry.error}</dd>`}
    ${view && view.dangerous && html`<dt>Danger</dt><dd><span class="badge bad">infected or phishing</span></dd>`}
  </dl>`;
}

function Headers({ view }) {
  return html`<details class="headers" open=${false}>
    <summary>Headers (${view.headers.length}${view.headers_truncated ? ', more not shown' : ''})</summary>
    <${Table} caption="The message's header fields, decoded" rows=${view.headers}
      columns=${[{ label: 'Name', render: (h) => h.name }, { label: 'Value', render: (h) => html`<span class="header-value">${h.value}${h.truncated ? ' …' : ''}</span>` }]} />
  </details>`;
}

function Body({ view }) {
  const source = { 'text/plain': 'the plain-text part', 'text/html': 'the HTML part, rendered to its visible text', none: 'no text part' };
  return html`<section aria-labelledby="text-title">
    <h2 id="text-title">Text</h2>
    <p class="hint">Shown as text only, from ${source[view.body.source] || view.body.source}${view.body.truncated ? ' (cut: the message is longer)' : ''}.
      Nothing the sender wrote is shown as a web page.</p>
    <pre class="safe-text" data-testid="safe-text">${view.body.text}</pre>
  </section>`;
}

function Attachments({ view }) {
  return html`<section aria-labelledby="attachments-title">
    <h2 id="attachments-title">Attachments</h2>
    <${Table} caption=${'Attachments' + (view.attachments_truncated ? ' (more not shown)' : '')} rows=${view.attachments}
      empty="No attachments."
      columns=${[
        { label: 'Name', render: (a) => a.name || '(no name)' },
        { label: 'Declared type', render: (a) => a.declared_type },
        { label: 'True type', render: (a) => html`${a.true_type || 'unknown'}${a.true_type && a.true_type !== a.declared_type
          ? html` <span class="badge bad">differs</span>` : ''}` },
        { label: 'Size', render: (a) => size(a.size) },
        { label: 'SHA-256', render: (a) => html`<code class="hash">${a.sha256}</code>` },
        { label: 'Findings', render: (a) => html`${a.infected && html`<span class="badge bad">infected: ${a.threats.join(', ')}</span> `}
          ${a.removed && html`<span class="badge">removed</span> `}
          ${a.why.length > 0 ? html`<ul class="plain">${a.why.map((w) => html`<li>${w}</li>`)}</ul>` : !a.infected && !a.removed && 'none'}` },
      ]} />
  </section>`;
}

function Scanners({ view }) {
  return html`<section aria-labelledby="tests-title">
    <h2 id="tests-title">Named tests</h2>
    ${view.scanners.length === 0 ? html`<p class="empty">The scan report has expired: no named tests to show.</p>`
      : view.scanners.map((s) => html`<div class="scanner">
        <h3>${s.scanner}: ${s.verdict}${s.score ? ` (score ${s.score})` : ''}</h3>
        <${Table} caption=${`${s.scanner}'s tests that fired`} rows=${s.tests} empty="No named test fired."
          columns=${[
            { label: 'Test', render: (t) => html`<code>${t.test}</code>` },
            { label: 'Score', render: (t) => t.score },
            { label: 'Description', render: (t) => t.description },
            { label: 'Evidence', render: (t) => html`<span class="evidence">${t.evidence}</span>` },
          ]} />
      </div>`)}
  </section>`;
}

function Decision({ view }) {
  const d = view.decision;
  return html`<section aria-labelledby="decision-title">
    <h2 id="decision-title">Decision path</h2>
    ${!d ? html`<p class="empty">No decision is recorded for this copy.</p>` : html`
      <p>Rule <strong>${d.rule}</strong>: ${d.action}${d.module ? ` (by ${d.module})` : ''} — ${d.reason}
        ${!d.recorded && html`<br /><small>Decided again from the stored scan report with the current settings.</small>`}</p>
      <ol class="timeline decision-steps">${d.steps.map((step) => html`<li>${step}</li>`)}</ol>
      ${d.removals.length > 0 && html`<${Table} caption="Parts the decision removed" rows=${d.removals}
        columns=${[{ label: 'Part', render: (r) => r.name || r.part_path }, { label: 'Why', render: (r) => r.reason }]} />`}`}
  </section>`;
}

function History({ history, error }) {
  return html`<section aria-labelledby="history-title" data-testid="history">
    <h2 id="history-title">Sending history</h2>
    ${error && html`<${ErrorNote} error=${error} />`}
    ${history && html`<${Table} caption="Releases, downloads and requests, oldest first" rows=${history.history}
      empty="Not released, downloaded or asked for yet."
      columns=${[
        { label: 'When', render: (h) => html`<${Time} iso=${h.at} />` },
        { label: 'What', render: (h) => h.action.replaceAll('_', ' ') },
        { label: 'By', render: (h) => h.actor },
        { label: 'To', render: (h) => html`<span class="address">${h.to.join(', ')}</span>` },
        { label: 'Outcome', render: (h) => h.outcome },
      ]} />`}
  </section>`;
}

// The entry, its safe view and its history, one request after the other (an answer that failed is shown where
// it belongs, the others still are).
async function loadAll(id) {
  const entry = await get(`/backup/${seg(id)}`);
  const found = { entry, view: null, viewError: null, history: null, historyError: null };
  try {
    found.view = await get(`/backup/${seg(id)}/view`);
  } catch (error) {
    found.viewError = error;
  }
  try {
    found.history = await get(`/backup/${seg(id)}/history`);
  } catch (error) {
    found.historyError = error;
  }
  return found;
}

export default function BackupEntry({ params }) {
  const id = params.id;
  const loaded = useLoad(() => loadAll(id), [id]);
  const back = can(READERS) ? '/backup' : '/my/backup';
  const { route } = useLocation();
  const deleted = () => route(back + '?deleted=' + encodeURIComponent(id));
  const data = loaded.data;
  const v = data && data.view;
  return html`<div class="backup-entry">
    <${PageHeader} title="Backup entry"><a href=${back}>Back to ${can(READERS) ? 'Backup' : 'My Backup'}</a></${PageHeader}>
    ${loaded.error && html`<${ErrorNote} error=${loaded.error} />`}
    ${loaded.loading && !data && html`<${Loading} what="Reading the entry" />`}
    ${data && html`
      ${v && v.incomplete && html`<${Notice} kind="warn">A parsing bound stopped the inspection: not everything is shown.</${Notice}>`}
      <${Summary} entry=${data.entry} view=${v} />
      <${EntryActions} entry=${data.entry} dangerous=${Boolean(v && v.dangerous)} onChanged=${loaded.reload} onDeleted=${deleted} />
      ${data.viewError && html`<${ErrorNote} error=${data.viewError} />`}
      ${v && html`<div class="safe-view" data-testid="safe-view">
        <${Headers} view=${v} />
        <${Body} view=${v} />
        <${Attachments} view=${v} />
        <${Scanners} view=${v} />
        <${Decision} view=${v} />
        ${v.defects.length > 0 && html`<section aria-labelledby="defects-title"><h2 id="defects-title">Defects</h2>
          <ul>${v.defects.map((d) => html`<li>${d}</li>`)}</ul></section>`}
      </div>`}
      <${History} history=${data.history} error=${data.historyError} />`}
  </div>`;
}
