// Release requests: entries users asked for and that await an answer; operators approve (the entry is released to
// the user who asked) or decline with a reason the user is told.
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { get, post, seg, ApiError } from '../api.js';
import { can, OPERATORS, ADMINISTRATORS } from '../roles.js';
import { usePages, Pager, Time, ErrorNote, Loading, useAction, useConfirm, TextInput } from '../ui.js';
import { ReleaseOutcome } from './backup_actions.js';
import { WhyKept } from './backup_search.js';

function lastRequest(entry) {
  const asked = entry.history.filter((h) => h.action === 'release_requested');
  return asked[asked.length - 1];
}

function Answer({ entry, onAnswered }) {
  const [confirm, dialog] = useConfirm();
  const [declining, setDeclining] = useState(false);
  const [reason, setReason] = useState('');
  const approve = useAction(async () => {
    const path = `/backup/${seg(entry.backup_id)}/release-request/approve`;
    let answer;
    try {
      answer = await post(path, {});
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 403 && can(ADMINISTRATORS))) throw error;
      if (!(await confirm(`${error.message}. Release it to the user anyway?`, 'Release it'))) return null;
      answer = await post(path, { confirm: true });
    }
    onAnswered({ subject: entry.subject, release: answer });
    return answer;
  });
  const decline = useAction(async () => {
    const answer = await post(`/backup/${seg(entry.backup_id)}/release-request/decline`, reason ? { reason } : {});
    onAnswered({ subject: entry.subject, declined: true });
    return answer;
  });
  return html`<div>
    <div class="actions">
      <button type="button" class="primary" disabled=${approve.busy} onClick=${() => approve.run()}>Approve</button>
      <button type="button" disabled=${decline.busy} onClick=${() => setDeclining(!declining)} aria-expanded=${declining}>Decline…</button>
    </div>
    ${declining && html`<form class="decline-form" onSubmit=${(e) => { e.preventDefault(); decline.run(); }}>
      <${TextInput} label="Reason (told to the user)" value=${reason} onInput=${setReason} path="body.reason" error=${decline.error} maxLength="500" />
      <button type="submit" disabled=${decline.busy}>Send the decline</button>
    </form>`}
    ${approve.error && html`<${ErrorNote} error=${approve.error} />`}
    ${decline.error && html`<${ErrorNote} error=${decline.error} />`}
    ${dialog}
  </div>`;
}

export function ReleaseRequests() {
  const pages = usePages((cursor) => get('/backup/release-requests', { limit: 20, cursor }));
  const operator = can(OPERATORS);
  const [answered, setAnswered] = useState(null); // the last answer: shown after its row has left the list
  const onAnswered = (what) => {
    setAnswered(what);
    pages.reload();
  };
  const items = (pages.data && pages.data.items) || [];
  return html`<section class="requests" aria-labelledby="requests-title" data-testid="release-requests">
    <h2 id="requests-title">Release requests</h2>
    ${answered && answered.declined && html`<div class="notice ok" role="status" data-testid="request-answer">Declined the request for "${answered.subject || '(no subject)'}"; the user sees why in its history.</div>`}
    ${answered && answered.release && html`<div data-testid="request-answer"><p>Approved the request for "${answered.subject || '(no subject)'}":</p><${ReleaseOutcome} answer=${answered.release} /></div>`}
    ${pages.error && html`<${ErrorNote} error=${pages.error} />`}
    ${pages.loading && !pages.data && html`<${Loading} what="Reading the requests" />`}
    ${pages.data && (items.length === 0 ? html`<p class="empty">No request awaits an answer.</p>` : html`<table class="list">
      <caption>Entries users asked for, newest first</caption>
      <thead><tr><th scope="col">Asked</th><th scope="col">By</th><th scope="col">Message</th><th scope="col">Why it was kept</th>
        ${operator && html`<th scope="col">Answer</th>`}</tr></thead>
      <tbody>${items.map((entry) => {
        const asked = lastRequest(entry);
        return html`<tr key=${entry.backup_id}>
          <td>${asked ? html`<${Time} iso=${asked.at} />` : '—'}</td>
          <td>${asked ? asked.actor : '—'}${asked && asked.outcome && html`<br /><small>${asked.outcome}</small>`}</td>
          <td><a href=${'/backup/' + encodeURIComponent(entry.backup_id)}>${entry.subject || '(no subject)'}</a>
            <br /><small class="address">from ${entry.sender || '(empty sender)'}</small></td>
          <td><${WhyKept} entry=${entry} /></td>
          ${operator && html`<td><${Answer} key=${entry.backup_id} entry=${entry} onAnswered=${onAnswered} /></td>`}
        </tr>`;
      })}</tbody>
    </table>`)}
    <${Pager} pages=${pages} label="Release request pages" />
  </section>`;
}
