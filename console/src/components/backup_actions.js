// What can be done with one Backup entry: release (as is or as an attachment, to whom, with the sender allowed or
// the message learned as not spam), ask for a release (a personal user, where the API refuses a self-release),
// download its original, delete it. Each control is shown only to the roles the API lets use it.
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { post, del, seg, ApiError } from '../api.js';
import { can, OPERATORS, RELEASERS, DOWNLOADERS, ADMINISTRATORS, PERSONAL } from '../roles.js';
import { useAction, useConfirm, ErrorNote, Notice, TextInput, Checkbox, Select, Progress } from '../ui.js';

const newRequestId = () => `console-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;

// The outcome of a release: one line per target, then what followed it.
export function ReleaseOutcome({ answer }) {
  if (!answer) return null;
  const failed = answer.outcomes.filter((o) => o.status === 'failed');
  return html`<div class=${'notice ' + (failed.length ? 'warn' : 'ok')} role="status" data-testid="release-outcome">
    <strong>${failed.length ? 'Released, but not to everyone' : 'Released'}${answer.as_attachment ? ' as an attachment' : ''}.</strong>
    <ul>${answer.outcomes.map((o) => html`<li><span class="address">${o.to}</span>: ${o.status.replace('_', ' ')}${o.detail ? ` (${o.detail})` : ''}</li>`)}</ul>
    ${answer.follow_up && answer.follow_up.length > 0 && html`<ul>${answer.follow_up.map((line) => html`<li>${line}</li>`)}</ul>`}
    ${failed.length > 0 && html`<p>Release again to try the failed addresses again.</p>`}
  </div>`;
}

// An operator's release: to the recipients chosen (default all) and other addresses, with its options.
function OperatorRelease({ entry, dangerous, onReleased }) {
  const [chosen, setChosen] = useState(() => Object.fromEntries(entry.recipients.map((r) => [r, true])));
  const [others, setOthers] = useState('');
  const [mode, setMode] = useState('as_is');
  const [allowSender, setAllowSender] = useState('');
  const [learn, setLearn] = useState(false);
  const [confirmDanger, setConfirmDanger] = useState(false);
  const action = useAction(async () => {
    const to = [...entry.recipients.filter((r) => chosen[r]), ...others.split(/[\s,;]+/).filter(Boolean)];
    const body = { to, as_attachment: mode === 'attachment', request_id: newRequestId() };
    if (allowSender) body.allow_sender = allowSender;
    if (learn) body.learn_not_spam = true;
    if (dangerous) body.confirm = confirmDanger;
    const answer = await post(`/backup/${seg(entry.backup_id)}/release`, body);
    onReleased();
    return answer;
  });
  const submit = (e) => {
    e.preventDefault();
    action.run();
  };
  return html`<form class="release-form" onSubmit=${submit} aria-label="Release" data-testid="release-form">
    <fieldset>
      <legend>Release to</legend>
      ${entry.recipients.map((r) => html`<${Checkbox} label=${r} checked=${chosen[r]} onChange=${(v) => setChosen({ ...chosen, [r]: v })} />`)}
      <${TextInput} label="Other addresses (in the accepted domains; commas between)" value=${others} onInput=${setOthers}
        path="body.to" error=${action.error} />
    </fieldset>
    <div class="form-row">
      <${Select} label="How" value=${mode} onChange=${setMode} path="body.as_attachment" error=${action.error}
        options=${[{ value: 'as_is', label: 'As is (the original)' }, { value: 'attachment', label: 'As an attachment' }]} />
      <${Select} label="Then allow the sender" value=${allowSender} onChange=${setAllowSender} path="body.allow_sender" error=${action.error}
        options=${[{ value: '', label: 'No' }, { value: 'personal', label: "On each recipient's own allow list" },
          { value: 'organisation', label: "On the organisation's allow list" }]} />
    </div>
    <${Checkbox} label="Learn it as not spam" checked=${learn} onChange=${setLearn} />
    ${dangerous && html`<${Checkbox} label="It is infected or phishing: release it anyway" checked=${confirmDanger} onChange=${setConfirmDanger} />`}
    <div class="actions">
      <button type="submit" class="primary" disabled=${action.busy} data-testid="release">Release</button>
    </div>
    ${action.busy && html`<${Progress} label="Releasing" />`}
    ${action.error && html`<${ErrorNote} error=${action.error} />`}
    <${ReleaseOutcome} answer=${action.result} />
  </form>`;
}

// A personal user's release: to themselves, optionally allowing the sender on their own list; where the API
// refuses (infected, phishing, or a reason the settings keep for administrators) they ask for it instead.
function PersonalRelease({ entry, dangerous, pending, onReleased }) {
  const [mode, setMode] = useState('as_is');
  const [refused, setRefused] = useState(dangerous || pending);
  const [note, setNote] = useState('');
  const release = useAction(async (allow) => {
    const body = { as_attachment: mode === 'attachment', request_id: newRequestId() };
    if (allow) body.allow_sender = 'personal';
    try {
      const answer = await post(`/backup/${seg(entry.backup_id)}/release`, body);
      onReleased();
      return answer;
    } catch (error) {
      if (error instanceof ApiError && error.status === 403) setRefused(true);
      throw error;
    }
  });
  const ask = useAction(async () => {
    const answer = await post(`/backup/${seg(entry.backup_id)}/release-request`, note ? { note } : {});
    onReleased();
    return answer;
  });
  return html`<div class="release-form" data-testid="personal-release">
    ${!dangerous && html`<div class="form-row">
      <${Select} label="How" value=${mode} onChange=${setMode} path="body.as_attachment" error=${release.error}
        options=${[{ value: 'as_is', label: 'As is (the original)' }, { value: 'attachment', label: 'As an attachment' }]} />
    </div>
    <div class="actions">
      <button type="button" class="primary" disabled=${release.busy} onClick=${() => release.run(false)} data-testid="release-to-me">Release to me</button>
      <button type="button" disabled=${release.busy} onClick=${() => release.run(true)} data-testid="release-and-allow">Release to me and allow the sender</button>
    </div>`}
    ${release.busy && html`<${Progress} label="Releasing" />`}
    ${release.error && html`<${ErrorNote} error=${release.error} />`}
    <${ReleaseOutcome} answer=${release.result} />
    ${refused && (pending || ask.result
      ? html`<${Notice}>You asked for this message; an administrator will answer. The history below shows the answer.</${Notice}>`
      : html`<form class="request-form" onSubmit=${(e) => { e.preventDefault(); ask.run(); }} aria-label="Request release">
          <p>${dangerous ? 'This message is infected or phishing: only an administrator can release it.'
            : 'You cannot release this message yourself.'} You can ask an administrator for it.</p>
          <${TextInput} label="Why you need it (optional)" value=${note} onInput=${setNote} path="body.note" error=${ask.error} maxLength="500" />
          <div class="actions"><button type="submit" disabled=${ask.busy} data-testid="request-release">Request release</button></div>
          ${ask.error && html`<${ErrorNote} error=${ask.error} />`}
        </form>`)}
  </div>`;
}

// Is the latest request of this entry still waiting for an answer?
export function requestPending(history) {
  for (let i = history.length - 1; i >= 0; i -= 1) {
    const action = history[i].action;
    if (action === 'release_requested') return true;
    if (action === 'release_declined' || action.startsWith('released')) return false;
  }
  return false;
}

function Download({ entry, dangerous, onDone }) {
  const [link, setLink] = useState(null);
  const action = useAction(async () => {
    const answer = await post(`/backup/${seg(entry.backup_id)}/download`, dangerous ? { include_infected: true } : {});
    setLink(answer);
    window.open(answer.url, '_blank', 'noopener');
    onDone();
    return answer;
  });
  if (dangerous && !can(ADMINISTRATORS)) return null;
  return html`<div class="download">
    <button type="button" onClick=${() => action.run()} disabled=${action.busy} data-testid="download">
      ${dangerous ? 'Download the original (infected or phishing)' : 'Download the original (.eml)'}</button>
    ${link && html`<p>If it did not open: <a href=${link.url} rel="noopener noreferrer" target="_blank">the original</a>
      (the link works for ${Math.round(link.expires_in / 60)} minutes).</p>`}
    ${action.error && html`<${ErrorNote} error=${action.error} />`}
  </div>`;
}

function Delete({ entry, onDeleted }) {
  const [confirm, dialog] = useConfirm();
  const action = useAction(async () => {
    const ok = await confirm(`Delete this Backup entry and its copy of the original (from ${entry.sender || 'the empty sender'}, `
      + `"${entry.subject || 'no subject'}")? This cannot be undone.`, 'Delete it');
    if (!ok) return null;
    const answer = await del(`/backup/${seg(entry.backup_id)}`);
    onDeleted();
    return answer;
  });
  return html`<div class="delete">
    <button type="button" class="danger" onClick=${() => action.run()} disabled=${action.busy} data-testid="delete">Delete…</button>
    ${action.error && html`<${ErrorNote} error=${action.error} />`}
    ${dialog}
  </div>`;
}

// The actions panel: nothing at all for a role that may do none of them (an Auditor).
export function EntryActions({ entry, dangerous, onChanged, onDeleted }) {
  const release = can(RELEASERS);
  const download = can(DOWNLOADERS);
  const remove = can(OPERATORS);
  if (!release && !download && !remove) return null;
  const personal = !can(OPERATORS) && can(PERSONAL);
  return html`<section class="entry-actions" aria-labelledby="actions-title" data-testid="entry-actions">
    <h2 id="actions-title">Actions</h2>
    ${release && (personal
      ? html`<${PersonalRelease} entry=${entry} dangerous=${dangerous} pending=${requestPending(entry.history)} onReleased=${onChanged} />`
      : html`<${OperatorRelease} entry=${entry} dangerous=${dangerous} onReleased=${onChanged} />`)}
    <div class="actions">
      ${download && html`<${Download} entry=${entry} dangerous=${dangerous} onDone=${onChanged} />`}
      ${remove && html`<${Delete} entry=${entry} onDeleted=${onDeleted} />`}
    </div>
  </section>`;
}
