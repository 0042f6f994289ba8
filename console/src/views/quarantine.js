// The Anti-Spam Quarantine: messages held until their re-scan (which rule held them, until when) and how full
// it is against its limits. The API answers the soonest re-scan first, up to `limit` (no cursor: it holds at
// most a bounded number).
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { get } from '../api.js';
import { useLoad, Time, PageHeader, ErrorNote, Loading, Table, Select } from '../ui.js';
import './backup.css';

function Usage({ data }) {
  const messages = data.max_messages ? Math.min(100, Math.round((100 * data.held_messages) / data.max_messages)) : 0;
  const megabytes = data.max_megabytes ? Math.min(100, Math.round((100 * data.held_megabytes) / data.max_megabytes)) : 0;
  return html`<div class="cards usage" data-testid="quarantine-usage">
    <div class="card"><div class="value">${data.held_messages}</div>
      <div class="label">messages held, of ${data.max_messages} at most (${messages} %)</div>
      <meter min="0" max=${data.max_messages} value=${data.held_messages} aria-label="Messages held against the limit"></meter></div>
    <div class="card"><div class="value">${data.held_megabytes} MB</div>
      <div class="label">held, of ${data.max_megabytes} MB at most (${megabytes} %)</div>
      <meter min="0" max=${data.max_megabytes} value=${data.held_megabytes} aria-label="Megabytes held against the limit"></meter></div>
  </div>`;
}

export default function Quarantine() {
  const [limit, setLimit] = useState('100');
  const held = useLoad(() => get('/spam-quarantine', { limit }), [limit]);
  const data = held.data;
  return html`<div class="quarantine">
    <${PageHeader} title="Anti-Spam Quarantine"><a href="/backup">Backup</a></${PageHeader}>
    <p class="hint">Messages Anti-Spam holds for a while and scans again before it decides; the soonest re-scan first.</p>
    ${held.error && html`<${ErrorNote} error=${held.error} />`}
    ${held.loading && !data && html`<${Loading} what="Reading the quarantine" />`}
    ${data && html`<${Usage} data=${data} />
      <div class="form-row"><${Select} label="Show at most" value=${limit} onChange=${setLimit}
        options=${['100', '500', '1000'].map((n) => ({ value: n, label: `${n} messages` }))} /></div>
      <${Table} caption=${`Held now (${data.items.length} shown)`} rows=${data.items} rowKey=${(m) => m.hold_key}
        empty="The Anti-Spam Quarantine holds nothing now."
        columns=${[
          { label: 'Message', render: (m) => html`<a href=${'/trace/' + encodeURIComponent(m.message_id)}>${m.message_id}</a>` },
          { label: 'Sender', render: (m) => html`<span class="address">${m.sender || '(empty sender)'}</span>` },
          { label: 'Recipients', render: (m) => html`<span class="address">${m.recipients.join(', ')}</span>` },
          { label: 'Rule', render: (m) => m.rule },
          { label: 'Held at', render: (m) => html`<${Time} iso=${m.held_at} />` },
          { label: 'Scanned again at', render: (m) => html`<${Time} iso=${m.due_at} />` },
          { label: 'Size', render: (m) => `${Math.max(1, Math.round(m.size / 1024))} KB` },
        ]} />`}
  </div>`;
}
