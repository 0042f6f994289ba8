// My lists: my own allow and deny lists of senders (GET/PUT /lists/personal, versioned; the API's problems shown
// beside each entry) and whether I get the daily Backup digest.
import { useState, useEffect } from 'preact/hooks';
import { html } from '../html.js';
import { get, put, ApiError } from '../api.js';
import { can, OWN_LIST_WRITERS } from '../roles.js';
import { useLoad, useAction, useId, PageHeader, ErrorNote, Loading, Notice, Checkbox, Time } from '../ui.js';
import './backup.css';

// The API names an entry `body.allow[2]` (its own check) or `body.allow.2` (the schema's).
function entryProblems(error, list, index) {
  if (!(error instanceof ApiError)) return [];
  return error.problems.filter((p) => p.path === `body.${list}[${index}]` || p.path === `body.${list}.${index}`
    || String(p.path).startsWith(`body.${list}.${index}.`));
}

function EntryRow({ list, index, value, onInput, onRemove, error, readOnly }) {
  const id = useId(`${list}-entry`);
  const problems = entryProblems(error, list, index);
  const name = list === 'allow' ? 'Allowed sender' : 'Denied sender';
  return html`<div class=${'entry-row' + (problems.length ? ' invalid' : '')} data-testid=${`${list}-entry`}>
    <div class=${'field' + (problems.length ? ' invalid' : '')}>
      <label for=${id} class="visually-hidden">${name} ${index + 1}</label>
      <input id=${id} type="text" value=${value} readOnly=${readOnly} onInput=${(e) => onInput(e.currentTarget.value)}
        aria-invalid=${problems.length ? 'true' : 'false'} aria-describedby=${problems.length ? `${id}-problems` : undefined}
        placeholder="name@example.com, *@example.com or example.com" />
      ${problems.length > 0 && html`<small class="problem" id=${`${id}-problems`} role="alert">${problems.map((p) => p.message).join('; ')}</small>`}
    </div>
    ${!readOnly && html`<button type="button" onClick=${onRemove} aria-label=${`Remove ${name.toLowerCase()} ${index + 1}`}>Remove</button>`}
  </div>`;
}

function ListEditor({ list, title, hint, entries, setEntries, error, readOnly }) {
  const listProblems = error instanceof ApiError ? error.problems.filter((p) => p.path === `body.${list}`) : [];
  return html`<fieldset>
    <legend>${title} (${entries.length})</legend>
    <p class="hint">${hint}</p>
    ${entries.length === 0 && html`<p class="empty">No entries.</p>`}
    ${entries.map((value, index) => html`<${EntryRow} key=${index} list=${list} index=${index} value=${value} error=${error}
      readOnly=${readOnly}
      onInput=${(text) => setEntries(entries.map((e, i) => (i === index ? text : e)))}
      onRemove=${() => setEntries(entries.filter((_, i) => i !== index))} />`)}
    ${listProblems.length > 0 && html`<small class="problem" role="alert">${listProblems.map((p) => p.message).join('; ')}</small>`}
    ${!readOnly && html`<button type="button" onClick=${() => setEntries([...entries, ''])} data-testid=${`add-${list}`}>Add ${list === 'allow' ? 'an allowed' : 'a denied'} sender</button>`}
  </fieldset>`;
}

// What another change saved meanwhile, next to what was being edited.
function differences(mine, theirs) {
  const lines = [];
  for (const list of ['allow', 'deny']) {
    const added = theirs[list].filter((e) => !mine[list].includes(e));
    const removed = mine[list].filter((e) => !theirs[list].includes(e));
    if (added.length) lines.push(`${list}: now also ${added.join(', ')}`);
    if (removed.length) lines.push(`${list}: no longer ${removed.join(', ')}`);
  }
  if (mine.digest !== theirs.digest) lines.push(`digest: now ${theirs.digest ? 'on' : 'off'}`);
  return lines;
}

export default function MyLists() {
  const loaded = useLoad(() => get('/lists/personal'));
  const [draft, setDraft] = useState(null);
  const [conflict, setConflict] = useState(null);
  const writer = can(OWN_LIST_WRITERS);
  useEffect(() => {
    if (loaded.data) setDraft({ allow: [...loaded.data.allow], deny: [...loaded.data.deny], digest: loaded.data.digest !== false });
  }, [loaded.data]);
  const save = useAction(async () => {
    setConflict(null);
    // Empty rows go before sending, so the API's entry numbers are the rows shown.
    const cleaned = { allow: draft.allow.map((e) => e.trim()).filter(Boolean), deny: draft.deny.map((e) => e.trim()).filter(Boolean) };
    setDraft({ ...draft, ...cleaned });
    const body = { version: loaded.data.version, ...cleaned, digest: draft.digest };
    try {
      const saved = await put('/lists/personal', body);
      loaded.reload();
      return saved;
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) {
        const theirs = await get('/lists/personal');
        setConflict({ theirs, lines: differences(loaded.data, theirs) });
        loaded.reload();
      }
      throw error;
    }
  });
  const data = loaded.data;
  return html`<div class="my-lists list-editor">
    <${PageHeader} title="My lists"><a href="/my/backup">My Backup</a></${PageHeader}>
    ${loaded.error && html`<${ErrorNote} error=${loaded.error} />`}
    ${loaded.loading && !data && html`<${Loading} what="Reading your lists" />`}
    ${data && draft && html`<form onSubmit=${(e) => { e.preventDefault(); save.run(); }} aria-label="My lists" data-testid="my-lists">
      <p class="hint">For mail to <span class="address">${data.address}</span>.
        ${data.version > 0 ? html` Last saved <${Time} iso=${data.updated_at} /> by ${data.updated_by}.` : ' Never saved yet.'}</p>
      <${ListEditor} list="allow" title="Allowed senders" entries=${draft.allow} error=${save.error} readOnly=${!writer}
        hint="Mail from these senders skips Anti-Spam (never Anti-Virus or the other checks). An address, a mask (*@shop.example) or a domain."
        setEntries=${(allow) => setDraft({ ...draft, allow })} />
      <${ListEditor} list="deny" title="Denied senders" entries=${draft.deny} error=${save.error} readOnly=${!writer}
        hint="Mail from these senders is treated as blacklisted."
        setEntries=${(deny) => setDraft({ ...draft, deny })} />
      <fieldset>
        <legend>Daily digest</legend>
        <${Checkbox} label="Send me the daily digest of what Backup kept for me" checked=${draft.digest}
          onChange=${(digest) => setDraft({ ...draft, digest })} disabled=${!writer} data-testid="digest" />
      </fieldset>
      ${writer && html`<div class="actions"><button type="submit" class="primary" disabled=${save.busy} data-testid="save-lists">Save</button></div>`}
      ${save.error && !conflict && html`<${ErrorNote} error=${save.error} />`}
      ${conflict && html`<${Notice} kind="warn">Another change was saved meanwhile; the lists were read again.
        ${conflict.lines.length ? html`<ul>${conflict.lines.map((l) => html`<li>${l}</li>`)}</ul>` : ' Nothing you can see changed.'}
        Make your change again and save.</${Notice}>`}
      ${save.result && html`<${Notice} kind="ok">Saved (version ${save.result.version}).</${Notice}>`}
    </form>`}
  </div>`;
}
