// Backup's search: the filters of GET /backup (and of the bulk operations, which take the same filter) and the
// paged list of what they find. Used by the privileged Backup view and by the personal "My Backup".
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { get } from '../api.js';
import { usePages, Pager, Time, TextInput, Select, ErrorNote, Loading } from '../ui.js';

// Why an entry was kept (`held_by`), as the API names it, in words.
export const HELD_BY = [
  ['antivirus', 'Anti-Virus'],
  ['antispam', 'Anti-Spam'],
  ['antiphishing', 'Anti-Phishing'],
  ['links', 'Links'],
  ['content_filter', 'Content Filtering'],
  ['authentication', 'Authentication'],
  ['deny_list', 'Deny list'],
  ['delivery_failure', 'Delivery failure'],
  ['processing_error', 'Processing error'],
  ['rule', 'Rule'],
];
const HELD_BY_LABEL = Object.fromEntries(HELD_BY);
export const heldByLabel = (name) => HELD_BY_LABEL[name] || name;

export const EMPTY_FORM = {
  from: '', to: '', sender: '', recipient: '', subject: '', message_id_header: '', held_by: '', rule: '',
  sender_ip: '', released: '',
};

// A datetime-local value (the user's time) as ISO 8601 UTC, which the API takes.
function isoOf(local) {
  if (!local) return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? local : date.toISOString();
}

// The form's values as the API's filter: empty fields left out; `released` a boolean.
export function apiFilter(form) {
  const filter = {};
  if (form.from) filter.from = isoOf(form.from);
  if (form.to) filter.to = isoOf(form.to);
  for (const name of ['sender', 'recipient', 'subject', 'message_id_header', 'held_by', 'rule', 'sender_ip']) {
    const value = (form[name] || '').trim();
    if (value) filter[name] = value;
  }
  if (form.released === 'true') filter.released = true;
  if (form.released === 'false') filter.released = false;
  return filter;
}

// The filter form: the search runs when it is sent (Enter in any field, or the Search button).
export function BackupFilterForm({ initial = EMPTY_FORM, onSearch, personal = false, error }) {
  const [form, setForm] = useState(initial);
  const set = (name) => (value) => setForm({ ...form, [name]: value });
  const submit = (e) => {
    e.preventDefault();
    onSearch(form);
  };
  const reset = () => {
    setForm(EMPTY_FORM);
    onSearch(EMPTY_FORM);
  };
  return html`<form class="backup-filter" onSubmit=${submit} role="search" aria-label="Search Backup" data-testid="backup-filter">
    <div class="form-row">
      <${TextInput} label="Subject contains" value=${form.subject} onInput=${set('subject')} path="query.subject" error=${error}
        data-testid="filter-subject" />
      <${TextInput} label="Sender (exact address)" value=${form.sender} onInput=${set('sender')} path="query.sender" error=${error} />
      ${!personal && html`<${TextInput} label="Recipient (exact address)" value=${form.recipient} onInput=${set('recipient')}
        path="query.recipient" error=${error} />`}
      <${Select} label="Why it was kept" value=${form.held_by} onChange=${set('held_by')} path="query.held_by" error=${error}
        options=${[{ value: '', label: 'Any reason' }, ...HELD_BY.map(([value, label]) => ({ value, label }))]} />
      <${Select} label="Released" value=${form.released} onChange=${set('released')} path="query.released" error=${error}
        options=${[{ value: '', label: 'Either' }, { value: 'false', label: 'Not released' }, { value: 'true', label: 'Released' }]} />
    </div>
    <div class="form-row">
      <${TextInput} label="From (your time)" type="datetime-local" value=${form.from} onInput=${set('from')} path="query.from" error=${error} />
      <${TextInput} label="To (your time)" type="datetime-local" value=${form.to} onInput=${set('to')} path="query.to" error=${error}
        hint="Default: the last 30 days" />
      <${TextInput} label="Message-ID header" value=${form.message_id_header} onInput=${set('message_id_header')}
        path="query.message_id_header" error=${error} />
      ${!personal && html`<${TextInput} label="Rule" value=${form.rule} onInput=${set('rule')} path="query.rule" error=${error} />`}
      ${!personal && html`<${TextInput} label="Sender IP" value=${form.sender_ip} onInput=${set('sender_ip')} path="query.sender_ip"
        error=${error} />`}
    </div>
    <div class="actions">
      <button type="submit" class="primary" data-testid="backup-search">Search</button>
      <button type="button" onClick=${reset}>Clear the filters</button>
    </div>
  </form>`;
}

export function ReleasedBadge({ entry }) {
  if (!entry.released) return html`<span class="badge">held</span>`;
  return html`<span class="badge good" title=${'released to ' + entry.released_to.join(', ')}>released</span>`;
}

// Why it was kept: the module, the reason in words, the rule.
export function WhyKept({ entry }) {
  return html`<span class="why-kept">
    <span class=${'badge' + (entry.held_by === 'antivirus' || entry.held_by === 'antiphishing' ? ' bad' : '')}>${heldByLabel(entry.held_by)}</span>
    ${' '}${entry.reason}
    ${entry.rule && html`<br /><small>rule: ${entry.rule}</small>`}
  </span>`;
}

// The entries a filter finds, newest first, page by page (the API's cursors).
export function useBackupPages(filter) {
  const key = JSON.stringify(filter);
  return usePages((cursor) => get('/backup', { ...filter, limit: 50, cursor }), [key]);
}

export function BackupResults({ pages, caption = 'Backup entries', personal = false }) {
  if (pages.error) return html`<${ErrorNote} error=${pages.error} />`;
  if (pages.loading && !pages.data) return html`<${Loading} what="Searching Backup" />`;
  const items = (pages.data && pages.data.items) || [];
  return html`<div class="backup-results" data-testid="backup-results" aria-busy=${pages.loading ? 'true' : 'false'}>
    ${items.length === 0
      ? html`<p class="empty" data-testid="backup-empty">Nothing in Backup matches this search.</p>`
      : html`<table class="list backup-list">
          <caption>${caption}</caption>
          <thead><tr>
            <th scope="col">When</th><th scope="col">Sender</th>
            <th scope="col">${personal ? 'To (you)' : 'Recipients'}</th>
            <th scope="col">Subject</th><th scope="col">Why it was kept</th><th scope="col">State</th>
          </tr></thead>
          <tbody>
            ${items.map((entry) => html`<tr key=${entry.backup_id} data-testid="backup-row" data-backup-id=${entry.backup_id}>
              <td><${Time} iso=${entry.created_at} /></td>
              <td class="address">${entry.sender || '(empty sender)'}</td>
              <td class="address">${entry.recipients.join(', ')}</td>
              <td><a href=${'/backup/' + encodeURIComponent(entry.backup_id)} data-testid="backup-open">${entry.subject || '(no subject)'}</a></td>
              <td><${WhyKept} entry=${entry} /></td>
              <td><${ReleasedBadge} entry=${entry} /></td>
            </tr>`)}
          </tbody>
        </table>`}
    <${Pager} pages=${pages} label="Backup pages" />
  </div>`;
}
