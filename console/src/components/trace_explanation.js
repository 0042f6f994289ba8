// Why a message was treated as it was (GET /messages/{id}/explanation): each scanner's verdict with the
// named tests that made it (score, description, evidence), and per group of recipients the decision and
// its path in plain words. Evidence is the sender's text: rendered as text only.
import { html } from '../html.js';
import { Table, pretty } from '../ui.js';
import { actionLabel } from './trace_kinds.js';

const SCANNER_NAMES = {
  antivirus: 'Anti-virus',
  antispam: 'Anti-spam',
  antiphishing: 'Anti-phishing',
  links: 'Links',
  content_filter: 'Content filtering',
  authentication: 'Authentication (SPF, DKIM, DMARC)',
};
const scannerName = (scanner) => SCANNER_NAMES[scanner] || scanner;
const score = (value) => (value > 0 ? `+${value}` : String(value));

function Verdict({ scanner, verdict }) {
  const reasons = verdict.reasons || [];
  return html`<section data-testid=${'verdict-' + scanner}>
    <h4>${scannerName(scanner)} <span class="badge">${verdict.verdict}</span> <span class="muted">score ${verdict.score}</span></h4>
    <${Table} caption=${`Tests that made the ${scannerName(scanner)} verdict`} rows=${reasons}
      empty="No test contributed to this verdict."
      columns=${[
        { label: 'Test', render: (r) => html`<code class="test-name" data-testid="test-name">${r.test}</code>` },
        { label: 'Score', render: (r) => html`<span class=${r.score > 0 ? 'score-up' : r.score < 0 ? 'score-down' : ''}>${score(r.score)}</span>` },
        { label: 'What it means', render: (r) => r.description },
        { label: 'Evidence', render: (r) => html`<span class="evidence">${r.evidence || '—'}</span>` },
      ]} />
  </section>`;
}

function Modifications({ decision }) {
  const items = [];
  if (decision.removals.length) {
    items.push(html`<li>Parts removed: ${decision.removals.map((r) => `${r.filename || r.part_path} (${r.reason})`).join('; ')}</li>`);
  }
  if (decision.subject_tags.length) items.push(html`<li>Subject tagged: ${decision.subject_tags.join(' ')}</li>`);
  if (decision.insecure_warning) items.push(html`<li>A warning that the message may be unsafe is added</li>`);
  if (decision.remove_headers.length) items.push(html`<li>Headers removed: ${decision.remove_headers.join(', ')}</li>`);
  const setHeaders = Object.entries(decision.set_headers || {});
  if (setHeaders.length) items.push(html`<li>Headers set: ${setHeaders.map(([k, v]) => `${k}: ${v}`).join('; ')}</li>`);
  if (decision.disclaimer) items.push(html`<li>Disclaimer added: ${decision.disclaimer}</li>`);
  if (decision.bcc.length) items.push(html`<li>Copies (BCC) to ${decision.bcc.join(', ')}</li>`);
  if (decision.notifications.length) {
    items.push(html`<li>Notified: ${decision.notifications.map((n) => `${n.to} (${n.verdict_class})`).join(', ')}</li>`);
  }
  if (items.length === 0) return null;
  return html`<p><strong>Changes and copies</strong></p><ul>${items}</ul>`;
}

function Group({ group, index }) {
  const d = group.decision;
  return html`<section data-testid="decision-group">
    <h4>Recipients ${index + 1}: <span class="address">${group.recipients.join(', ')}</span></h4>
    <dl class="message-facts">
      <dt>Action</dt><dd><strong data-testid="decision-action">${actionLabel(d.action)}</strong>${d.hold_minutes != null ? ` for ${d.hold_minutes} minutes` : ''}</dd>
      <dt>Rule</dt><dd>${d.rule}</dd>
      <dt>Reason</dt><dd>${d.reason}</dd>
      ${d.module && html`<dt>Module</dt><dd>${scannerName(d.module)}${d.verdict_class ? ` (${d.verdict_class})` : ''}</dd>`}
      <dt>Original kept in Backup</dt><dd>${d.backup ? 'yes' : 'no'}</dd>
    </dl>
    <p><strong>Decision path</strong></p>
    <ol class="path" data-testid="decision-path">${d.path.map((step) => html`<li>${step}</li>`)}</ol>
    <${Modifications} decision=${d} />
  </section>`;
}

export function Explanation({ explanation }) {
  const { envelope, verdicts, groups } = explanation;
  const sesVerdicts = Object.entries(envelope.ses_verdicts || {});
  return html`<div class="explanation" data-testid="explanation">
    <p class="hint">Decided again from the stored scan report with the current settings: if the rules changed since
      the message arrived, this may differ from what happened (the timeline shows what did).</p>
    ${envelope.problems && envelope.problems.length > 0 && html`<div class="notice warn"><strong>The envelope had to be
      changed:</strong><ul>${envelope.problems.map((p) => html`<li>${p}</li>`)}</ul></div>`}
    ${sesVerdicts.length > 0 && html`<p>Amazon SES verdicts: ${sesVerdicts.map(([k, v]) => `${k} ${v}`).join(', ')}</p>`}
    <h3>Decisions</h3>
    ${groups.length === 0 && html`<p class="empty">No recipient was decided (none was accepted).</p>`}
    ${groups.map((g, i) => html`<${Group} group=${g} index=${i} />`)}
    <h3>Verdicts and the tests behind them</h3>
    ${Object.entries(verdicts).map(([scanner, v]) => html`<${Verdict} scanner=${scanner} verdict=${v} />`)}
    <details>
      <summary>Raw JSON of the explanation</summary>
      <pre>${pretty(explanation)}</pre>
    </details>
  </div>`;
}
