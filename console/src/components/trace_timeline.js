// One message's history (GET /messages/{id}/events) as a timeline: received → scanned → decision →
// delivered / kept in Backup / rejected …, each step with its time and summary, its facts on demand.
// Everything here is the sender's text or the gateway's, rendered as text only.
import { html } from '../html.js';
import { seg } from '../api.js';
import { Time, pretty } from '../ui.js';
import { kindLabel, kindTone, actionLabel, recipientsOf } from './trace_kinds.js';

// Consecutive `scanned` events are one step (the scanners ran together).
function steps(events) {
  const found = [];
  for (const event of events) {
    const last = found[found.length - 1];
    if (event.kind === 'scanned' && last && last.kind === 'scanned') last.events.push(event);
    else found.push({ kind: event.kind, events: [event] });
  }
  return found;
}

const verdictTone = (verdict) => (['clean', 'not_spam', 'not_phishing', 'pass'].includes(verdict) ? 'good'
  : ['error', 'skipped', 'none', 'temperror', 'permerror'].includes(verdict) ? '' : 'bad');

function Scans({ events }) {
  return html`<ul class="scans">
    ${events.map((e) => {
      const result = (e.detail && e.detail.result) || {};
      return html`<li>
        <strong>${result.scanner || '?'}</strong>: <span class=${'badge ' + verdictTone(result.verdict)}>${result.verdict || '?'}</span>
        ${typeof result.score === 'number' && html` <span class="muted">score ${result.score}</span>`}
      </li>`;
    })}
  </ul>`;
}

function Extra({ event }) {
  const d = event.detail || {};
  if (event.kind === 'received') {
    const envelope = d.envelope || {};
    return html`<span class="muted">${envelope.client_ip ? `from ${envelope.client_ip}` : ''}${envelope.helo ? ` (HELO ${envelope.helo})` : ''}${typeof d.size === 'number' ? `, ${d.size} bytes` : ''}</span>
      ${Array.isArray(d.notes) && d.notes.length > 0 && html`<ul>${d.notes.map((n) => html`<li>${String(n)}</li>`)}</ul>`}`;
  }
  if (event.kind === 'decision' && d.decision) {
    return html`<span class="muted">action <strong>${actionLabel(d.decision.action)}</strong> by the rule <strong>${d.decision.rule}</strong>${d.decision.backup ? ', original kept in Backup' : ''}</span>`;
  }
  if (event.kind === 'backup' && d.backup_id) {
    return html`<a href=${'/backup/' + seg(d.backup_id)} data-testid="backup-link">Open the Backup entry</a>
      ${d.error && html` <span class="muted">(${d.error})</span>`}`;
  }
  if (event.kind === 'delivered' && d.host) {
    return html`<span class="muted">to ${d.host}${d.tls ? ' over TLS' : ' without TLS'}</span>`;
  }
  return null;
}

export function Timeline({ events }) {
  return html`<ol class="timeline" data-testid="timeline">
    ${steps(events).map((step) => {
      const first = step.events[0];
      const recipients = [...new Set(step.events.flatMap(recipientsOf))];
      return html`<li class=${'tone-' + (kindTone(step.kind) || 'none')} data-kind=${step.kind} data-testid=${'step-' + step.kind}>
        <div class="step-head">
          <span class="step-kind">${step.kind === 'scanned' ? `Scanned by ${step.events.length} scanner${step.events.length === 1 ? '' : 's'}` : kindLabel(step.kind)}</span>
          <${Time} iso=${first.at} />
          ${recipients.length > 0 && html`<span class="muted address">for ${recipients.join(', ')}</span>`}
        </div>
        ${step.kind === 'scanned' ? html`<${Scans} events=${step.events} />` : html`<p class="step-summary">${first.summary}</p>
          <${Extra} event=${first} />`}
        <details>
          <summary>Facts of ${step.events.length === 1 ? 'this event' : 'these events'}</summary>
          <pre>${pretty(step.events.map((e) => ({ kind: e.kind, at: e.at, summary: e.summary, recipient: e.recipient, action: e.action, verdicts: e.verdicts, detail: e.detail })))}</pre>
        </details>
      </li>`;
    })}
  </ol>`;
}

// What the events say about the message as a whole: from its `received` event, else from any event.
export function facts(events) {
  const received = events.find((e) => e.kind === 'received');
  const any = events[0] || {};
  const detail = (received && received.detail) || {};
  const envelope = detail.envelope || {};
  return {
    sender: (received && received.sender) ?? any.sender ?? envelope.mail_from ?? null,
    subject: (received && received.subject) ?? any.subject ?? detail.subject ?? null,
    recipients: Array.isArray(envelope.recipients) ? envelope.recipients : [...new Set(events.flatMap(recipientsOf))],
    receivedAt: received ? received.at : any.at,
    headerId: detail.message_id_header || null,
    senderIp: detail.sender_ip || envelope.client_ip || null,
    size: typeof detail.size === 'number' ? detail.size : null,
    backups: events.filter((e) => e.kind === 'backup' && e.detail && e.detail.backup_id).map((e) => e.detail.backup_id),
  };
}
