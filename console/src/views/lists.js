// Allow and deny lists: the organisation's (GET/PUT /lists, text import) and any user's personal lists
// (GET/PUT /lists/personal/{address}). Readers see them; operators change them. 422 problems are shown beside
// the entry they name; a 409 reloads and says what changed elsewhere, keeping the user's edit.
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { html } from '../html.js';
import { ApiError, get, put, seg } from '../api.js';
import { OPERATORS, can } from '../roles.js';
import { Checkbox, ErrorNote, Loading, Notice, PageHeader, Progress, TextInput, Time, useAction } from '../ui.js';
import { ImportDialog } from '../components/rule_import.js';
import { LinesArea, OtherProblems, clone, normaliseError, same } from '../components/rule_lines.js';
import './rules.css';

// An organisation's entry is a string or {entry, comment, subdomains}; in the text area it is `entry # comment`.
const entryText = (e) => (typeof e === 'string' ? e : e.comment ? `${e.entry} # ${e.comment}` : e.entry);
const entryKey = (e) => (typeof e === 'string' ? e : e.entry).trim().toLowerCase();

function entriesFrom(lines, original) {
  const before = new Map((original || []).filter((e) => typeof e !== 'string').map((e) => [entryKey(e), e]));
  return lines.map((line) => {
    const m = /^(.*?)\s+#\s?(.*)$/.exec(line);
    const entry = (m ? m[1] : line).trim();
    const comment = m ? m[2].trim() : '';
    const old = before.get(entry.toLowerCase());
    if (!comment && !(old && old.subdomains === false)) return entry;
    const value = { entry, comment };
    if (old && old.subdomains === false) value.subdomains = false;
    return value;
  });
}

// What changed between two versions of lists: entries added and removed per list, options switched.
function listChanges(before, after) {
  const changes = [];
  for (const name of ['allow', 'deny']) {
    const was = new Set((before[name] || []).map(entryKey));
    const now = new Set((after[name] || []).map(entryKey));
    const added = [...now].filter((e) => !was.has(e));
    const removed = [...was].filter((e) => !now.has(e));
    if (added.length) changes.push(`${name} list: added ${added.join(', ')}`);
    if (removed.length) changes.push(`${name} list: removed ${removed.join(', ')}`);
    if (!added.length && !removed.length && !same(before[name], after[name])) changes.push(`${name} list: comments or order changed`);
  }
  for (const option of ['allow_skips_antiphishing', 'allow_skips_authentication']) {
    if (option in after && before[option] !== after[option]) changes.push(`${option.replace(/_/g, ' ')}: ${after[option] ? 'on' : 'off'}`);
  }
  return changes;
}

function Conflict({ conflict, onDismiss, testid }) {
  return html`<div class="notice warn" role="alert" data-testid=${testid}>
    <strong>Another change was saved while you were editing</strong> (version ${conflict.from} → ${conflict.to}).
    Your edit is kept below; saving it now replaces the other change. What changed elsewhere:
    ${conflict.changes.length ? html`<ul>${conflict.changes.map((c) => html`<li>${c}</li>`)}</ul>` : html`<p>nothing in these lists.</p>`}
    <button type="button" onClick=${onDismiss}>Dismiss</button>
  </div>`;
}

function ReadList({ title, entries, testid }) {
  return html`<div class="field">
    <h3>${title}</h3>
    ${entries.length
      ? html`<ul data-testid=${testid}>${entries.map((e) => html`<li>${entryText(e)}</li>`)}</ul>`
      : html`<p class="empty" data-testid=${testid}>No entries.</p>`}
  </div>`;
}

const LIST_HINT = 'Addresses, *?-masks (*@news.example.com), domains (example.com, subdomains included)';

function OrganisationLists() {
  const editable = can(OPERATORS);
  const [state, setState] = useState(null); // {version, settings (as saved), draft}
  const [loadError, setLoadError] = useState(null);
  const [conflict, setConflict] = useState(null);
  const [saved, setSaved] = useState(null);
  const [importing, setImporting] = useState(false);
  const load = async () => {
    try {
      const answer = await get('/lists');
      setState({ version: answer.version, settings: answer.settings, draft: clone(answer.settings) });
      setLoadError(null);
    } catch (err) {
      setLoadError(err);
    }
  };
  useEffect(() => {
    load();
  }, []);
  const save = useAction(async () => {
    setSaved(null);
    try {
      const answer = await put('/lists', { version: state.version, settings: state.draft });
      setState({ version: answer.version, settings: answer.settings, draft: clone(answer.settings) });
      setConflict(null);
      setSaved(`The organisation's lists are saved (settings version ${answer.version}).`);
      return answer;
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        const current = await get('/lists');
        setConflict({ from: state.version, to: current.version, changes: listChanges(state.settings, current.settings) });
        setState((s) => ({ ...s, version: current.version, settings: current.settings }));
        return null;
      }
      throw normaliseError(err, 'lists');
    }
  });

  if (loadError) return html`<${ErrorNote} error=${loadError} />`;
  if (!state) return html`<${Loading} what="Loading the organisation's lists" />`;
  const draft = state.draft;
  const dirty = !same(draft, state.settings);
  const set = (key, value) => setState((s) => ({ ...s, draft: { ...s.draft, [key]: value } })); // events may outrun renders
  const error = save.error;

  return html`<section aria-labelledby="org-lists-title" data-testid="org-lists">
    <h2 id="org-lists-title">The organisation's lists</h2>
    <p class="list-meta">Matched against the envelope sender of all mail under rules in scan mode. A deny entry makes
      the mail Blacklisted; an allow entry skips Anti-Spam (never for a forged sender). Settings version ${state.version}.</p>
    ${conflict && html`<${Conflict} conflict=${conflict} testid="lists-conflict" onDismiss=${() => setConflict(null)} />`}
    ${editable
      ? html`<form onSubmit=${(e) => { e.preventDefault(); save.run(); }}>
          <div class="lists-columns">
            <${LinesArea} label="Allow list (one entry per line; a comment after ' # ')" rows=${6} testid="org-allow"
              values=${draft.allow.map(entryText)} path="allow" canon=${(lines) => entriesFrom(lines, state.settings.allow).map(entryText)} error=${error} hint=${`${LIST_HINT}, IP networks`}
              onChange=${(lines) => set('allow', entriesFrom(lines, state.settings.allow))} />
            <${LinesArea} label="Deny list (one entry per line; a comment after ' # ')" rows=${6} testid="org-deny"
              values=${draft.deny.map(entryText)} path="deny" canon=${(lines) => entriesFrom(lines, state.settings.deny).map(entryText)} error=${error} hint=${`${LIST_HINT}, IP networks`}
              onChange=${(lines) => set('deny', entriesFrom(lines, state.settings.deny))} />
          </div>
          <${Checkbox} label="An allow entry also skips Anti-Phishing" checked=${draft.allow_skips_antiphishing}
            onChange=${(v) => set('allow_skips_antiphishing', v)} />
          <${Checkbox} label="An allow entry also skips Mail Sender Authentication (SPF, DKIM, DMARC violations)"
            checked=${draft.allow_skips_authentication} onChange=${(v) => set('allow_skips_authentication', v)} />
          <div class="actions">
            <button type="submit" class="primary" disabled=${save.busy || !dirty} data-testid="lists-save">Save the lists</button>
            <button type="button" disabled=${save.busy || !dirty} onClick=${() => { setState({ ...state, draft: clone(state.settings) }); save.reset(); setConflict(null); }}>Discard changes</button>
            <button type="button" disabled=${dirty} title=${dirty ? 'Save or discard your changes first' : undefined}
              data-testid="lists-import" onClick=${() => setImporting(true)}>Import from text…</button>
          </div>
        </form>`
      : html`<div class="lists-columns">
          <${ReadList} title="Allow list" entries=${draft.allow} testid="org-allow-read" />
          <${ReadList} title="Deny list" entries=${draft.deny} testid="org-deny-read" />
        </div>
        <p>An allow entry also skips Anti-Phishing: <strong>${draft.allow_skips_antiphishing ? 'yes' : 'no'}</strong>;
          Mail Sender Authentication: <strong>${draft.allow_skips_authentication ? 'yes' : 'no'}</strong>.</p>`}
    ${save.busy && html`<${Progress} label="Saving the lists" />`}
    ${saved && html`<${Notice} kind="ok"><span data-testid="lists-saved">${saved}</span></${Notice}>`}
    ${error && html`<div data-testid="lists-error"><${ErrorNote} error=${error} />
      <${OtherProblems} error=${error} shown=${(p) => /^(allow|deny)(\.|$)/.test(p)} /></div>`}
    ${importing && html`<${ImportDialog} version=${state.version}
      target=${{ title: "Import into the organisation's lists", path: '/lists/import', sideKey: 'list',
        sides: [{ value: 'allow', label: 'Allow list' }, { value: 'deny', label: 'Deny list' }],
        hint: `${LIST_HINT}, IP networks; # starts a comment line.` }}
      onClose=${() => setImporting(false)}
      onDone=${(answer, list) => {
        setImporting(false);
        setState({ version: answer.version, settings: answer.settings, draft: clone(answer.settings) });
        setSaved(`Imported ${answer.imported} entries into the ${list} list (settings version ${answer.version}).`);
      }} />`}
  </section>`;
}

function PersonalLists({ initialAddress }) {
  const editable = can(OPERATORS);
  const [address, setAddress] = useState(initialAddress || '');
  const [state, setState] = useState(null); // the API's PersonalListsView, and draft {allow, deny}
  const [conflict, setConflict] = useState(null);
  const [saved, setSaved] = useState(null);
  const lookUp = useAction(async (who) => {
    const answer = await get(`/lists/personal/${seg(who)}`);
    setState({ answer, draft: { allow: answer.allow, deny: answer.deny } });
    setConflict(null);
    setSaved(null);
    save.reset();
    return answer;
  });
  const save = useAction(async () => {
    setSaved(null);
    const { answer, draft } = state;
    try {
      const next = await put(`/lists/personal/${seg(answer.address)}`, { version: answer.version, ...draft });
      setState({ answer: next, draft: { allow: next.allow, deny: next.deny } });
      setConflict(null);
      setSaved(`The lists of ${next.address} are saved (version ${next.version}).`);
      return next;
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        const current = await get(`/lists/personal/${seg(answer.address)}`);
        setConflict({ from: answer.version, to: current.version, changes: listChanges(answer, current) });
        setState((s) => ({ answer: current, draft: s.draft }));
        return null;
      }
      throw normaliseError(err, 'lists');
    }
  });
  useEffect(() => {
    if (initialAddress) lookUp.run(initialAddress);
  }, []);

  const answer = state && state.answer;
  const draft = state && state.draft;
  const dirty = state && !same(draft, { allow: answer.allow, deny: answer.deny });
  const error = save.error;
  return html`<section aria-labelledby="personal-lists-title" data-testid="personal-lists">
    <h2 id="personal-lists-title">A user's personal lists</h2>
    <p class="list-meta">Each user's own lists apply to mail to them: an allow entry skips only Anti-Spam, a deny
      entry makes the mail Blacklisted; the organisation's deny list wins over a user's allow.</p>
    <form class="form-row" onSubmit=${(e) => { e.preventDefault(); if (address.trim()) lookUp.run(address.trim()); }}>
      <${TextInput} label="The user's e-mail address" type="email" value=${address} onInput=${setAddress}
        data-testid="personal-address" autocomplete="off" />
      <button type="submit" disabled=${lookUp.busy || !address.trim()} data-testid="personal-lookup">Look up</button>
    </form>
    ${lookUp.busy && html`<${Progress} label="Looking up the lists" />`}
    <${ErrorNote} error=${lookUp.error} />
    ${answer && html`<div data-testid="personal-result">
      <h3>${answer.address}</h3>
      <p class="list-meta">${answer.version === 0
        ? 'Never saved: no entries yet.'
        : html`Version ${answer.version}, last changed <${Time} iso=${answer.updated_at} /> by ${answer.updated_by || 'unknown'}.`}</p>
      ${conflict && html`<${Conflict} conflict=${conflict} testid="personal-conflict" onDismiss=${() => setConflict(null)} />`}
      ${editable
        ? html`<form onSubmit=${(e) => { e.preventDefault(); save.run(); }}>
            <div class="lists-columns">
              <${LinesArea} label=${`Allow list of ${answer.address} (one entry per line)`} rows=${5} testid="personal-allow"
                values=${draft.allow} path="allow" error=${error} hint=${LIST_HINT}
                onChange=${(lines) => setState((s) => ({ ...s, draft: { ...s.draft, allow: lines } }))} />
              <${LinesArea} label=${`Deny list of ${answer.address} (one entry per line)`} rows=${5} testid="personal-deny"
                values=${draft.deny} path="deny" error=${error} hint=${LIST_HINT}
                onChange=${(lines) => setState((s) => ({ ...s, draft: { ...s.draft, deny: lines } }))} />
            </div>
            <div class="actions">
              <button type="submit" class="primary" disabled=${save.busy || !dirty} data-testid="personal-save">Save ${answer.address}'s lists</button>
              <button type="button" disabled=${save.busy || !dirty}
                onClick=${() => { setState({ answer, draft: { allow: answer.allow, deny: answer.deny } }); save.reset(); setConflict(null); }}>Discard changes</button>
            </div>
          </form>`
        : html`<div class="lists-columns">
            <${ReadList} title="Allow list" entries=${draft.allow} testid="personal-allow-read" />
            <${ReadList} title="Deny list" entries=${draft.deny} testid="personal-deny-read" />
          </div>`}
      ${save.busy && html`<${Progress} label="Saving the lists" />`}
      ${saved && html`<${Notice} kind="ok"><span data-testid="personal-saved">${saved}</span></${Notice}>`}
      ${error && html`<div data-testid="personal-error"><${ErrorNote} error=${error} />
        <${OtherProblems} error=${error} shown=${(p) => /^(allow|deny)(\.|$)/.test(p)} /></div>`}
    </div>`}
  </section>`;
}

export default function Lists() {
  const location = useLocation();
  const initialAddress = (location.query && location.query.address) || '';
  return html`<div class="lists-page">
    <${PageHeader} title="Allow and deny lists" />
    ${!can(OPERATORS) && html`<${Notice}>You can read the lists; security officers and administrators change them.</${Notice}>`}
    <${OrganisationLists} />
    <${PersonalLists} initialAddress=${initialAddress} />
  </div>`;
}
