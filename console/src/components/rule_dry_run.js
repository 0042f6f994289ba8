// The dry run: a logged message decided by the edited table and by the live one, side by side, per group of
// recipients with each decision's path (POST /rules/dry-run; nothing is delivered, stored or logged).
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { post } from '../api.js';
import { ErrorNote, Progress, TextInput, useAction } from '../ui.js';
import { normaliseError } from './rule_lines.js';

function Decision({ group }) {
  const d = group.decision;
  return html`<li class="dry-run-group">
    <p><strong>${group.recipients.join(', ')}</strong></p>
    <p>
      <span class=${'badge ' + (d.action === 'deliver' ? 'good' : 'bad')} data-testid="dry-run-action">${d.action}</span>
      ${' '}by rule <strong data-testid="dry-run-rule">${d.rule}</strong>${d.backup ? ', kept in Backup' : ''}
    </p>
    <p class="hint">${d.reason}</p>
    <ol class="decision-path" data-testid="dry-run-path">${d.path.map((step) => html`<li>${step}</li>`)}</ol>
  </li>`;
}

function Outcome({ title, answer, testid }) {
  return html`<section class="dry-run-column" data-testid=${testid} aria-label=${title}>
    <h3>${title}</h3>
    <ul class="dry-run-groups">${answer.groups.map((g, i) => html`<${Decision} key=${i} group=${g} />`)}</ul>
  </section>`;
}

const summary = (answer) => JSON.stringify(answer.groups.map((g) => [g.recipients, g.decision.action, g.decision.rule]));

// `table()` gives the edited table (the `settings` of GET /settings/rules); `onProblems(error)` lets the page
// show a 422 about the edited table beside its fields.
export function DryRun({ table, initialMessage = '', onProblems }) {
  const [messageId, setMessageId] = useState(initialMessage);
  const action = useAction(async () => {
    const id = messageId.trim();
    try {
      const [proposed, live] = await Promise.all([
        post('/rules/dry-run', { message_id: id, rules: table() }),
        post('/rules/dry-run', { message_id: id }),
      ]);
      onProblems && onProblems(null);
      return { proposed, live };
    } catch (error) {
      normaliseError(error, 'rules');
      if (error.problems && error.problems.some((p) => p.path.startsWith('rules'))) onProblems && onProblems(error);
      throw error;
    }
  });
  const result = action.result;
  const differs = result && summary(result.proposed) !== summary(result.live);
  return html`<section class="dry-run" aria-labelledby="dry-run-title" data-testid="dry-run">
    <h2 id="dry-run-title">Dry run before saving</h2>
    <p class="hint">Decide a logged message with the edited table and with the live one. Nothing is delivered,
      stored or logged; the stored scan report is decided again.</p>
    <form class="form-row" onSubmit=${(e) => { e.preventDefault(); if (messageId.trim()) action.run(); }}>
      <${TextInput} label="Message id (from the message trace)" value=${messageId} onInput=${setMessageId}
        path="message_id" error=${action.error} data-testid="dry-run-message" />
      <button type="submit" class="primary" disabled=${action.busy || !messageId.trim()} data-testid="dry-run-button">Dry run</button>
    </form>
    ${action.busy && html`<${Progress} label="Deciding the message with both tables" />`}
    <${ErrorNote} error=${action.error} />
    ${result && html`<div>
      <p role="status" data-testid="dry-run-verdict">${differs
        ? 'The edited table decides differently from the live table.'
        : 'The edited table decides as the live table does.'}
        ${' '}Message <code>${result.proposed.message_id}</code> from <code>${result.proposed.envelope.mail_from || '<>'}</code>.</p>
      <div class="dry-run-columns">
        <${Outcome} title="Edited table" answer=${result.proposed} testid="dry-run-proposed" />
        <${Outcome} title="Live table" answer=${result.live} testid="dry-run-live" />
      </div>
      ${result.proposed.notes.length > 0 && html`<ul class="hint">${result.proposed.notes.map((n) => html`<li>${n}</li>`)}</ul>`}
    </div>`}
  </section>`;
}
