// One message in the trace (/trace/<message_id>): what the event log recorded (its timeline) and why
// (GET /messages/{id}/explanation), with links to its Backup entries when it was kept.
import { html } from '../html.js';
import { get, seg, ApiError } from '../api.js';
import { useLoad, Loading, ErrorNote, Notice, PageHeader, Time, pretty } from '../ui.js';
import { Timeline, facts } from '../components/trace_timeline.js';
import { Explanation } from '../components/trace_explanation.js';
import { LAST_SEARCH } from '../components/trace_kinds.js';
import './trace.css';

function backToSearch() {
  try {
    const last = sessionStorage.getItem(LAST_SEARCH);
    if (last && last.startsWith('/trace')) return last;
  } catch {
    /* storage refused */
  }
  return '/trace';
}

function Facts({ id, events }) {
  const f = facts(events);
  return html`<dl class="message-facts" data-testid="message-facts">
    <dt>Subject</dt><dd data-testid="message-subject">${f.subject || html`<em>(no subject)</em>`}</dd>
    <dt>Sender</dt><dd class="address">${f.sender || '<>'}</dd>
    <dt>Recipients</dt><dd class="address">${f.recipients.join(', ') || '—'}</dd>
    <dt>Received</dt><dd><${Time} iso=${f.receivedAt} /></dd>
    ${f.senderIp && html`<dt>Sender IP</dt><dd>${f.senderIp}</dd>`}
    ${f.headerId && html`<dt>Message-ID header</dt><dd class="address">${f.headerId}</dd>`}
    ${f.size !== null && html`<dt>Size</dt><dd>${new Intl.NumberFormat().format(f.size)} bytes</dd>`}
    <dt>Gateway id</dt><dd><code>${id}</code></dd>
    ${f.backups.length > 0 && html`<dt>Backup</dt><dd>${f.backups.map((b, i) => html`${i > 0 ? ', ' : ''}<a
      href=${'/backup/' + seg(b)} data-testid="backup-entry-link">Backup entry ${f.backups.length > 1 ? i + 1 : ''}</a>`)}</dd>`}
  </dl>`;
}

export default function TraceMessage({ id }) {
  const events = useLoad(() => get(`/messages/${seg(id)}/events`), [id]);
  const explanation = useLoad(() => get(`/messages/${seg(id)}/explanation`), [id]);
  const list = (events.data && events.data.events) || [];
  const notFound = (state) => state.error instanceof ApiError && state.error.status === 404;
  return html`<${PageHeader} title="Message trace">
      <a href=${backToSearch()}>Back to the search</a>
    </${PageHeader}>
    ${events.loading && html`<${Loading} what="Reading the message's events" />`}
    ${notFound(events) ? html`<${Notice} kind="warn">The event log holds no events for the message <code>${id}</code>:
      it may be older than the log's retention, or the id is mistyped.</${Notice}>` : html`<${ErrorNote} error=${events.error} />`}
    ${list.length > 0 && html`<${Facts} id=${id} events=${list} />`}
    <div class="two-columns">
      <section aria-labelledby="timeline-title">
        <h2 id="timeline-title">Timeline</h2>
        ${list.length > 0 && html`<${Timeline} events=${list} />`}
        ${events.data && html`<details><summary>Raw JSON of the events</summary><pre>${pretty(events.data)}</pre></details>`}
      </section>
      <section aria-labelledby="explanation-title">
        <h2 id="explanation-title">Explanation</h2>
        ${explanation.loading && html`<${Loading} what="Explaining the decision" />`}
        ${notFound(explanation) ? html`<${Notice}>No explanation: ${explanation.error.message}. A message refused before it
          was scanned has no scan report.</${Notice}>` : html`<${ErrorNote} error=${explanation.error} />`}
        ${explanation.data && html`<${Explanation} explanation=${explanation.data} />`}
      </section>
    </div>`;
}
