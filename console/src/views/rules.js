// Rules: the rule table in order (Default last), each rule's conditions and actions per module; administrators
// reorder (drag and drop, or Move up/down), switch rules on and off, edit, add and delete them, dry-run the
// edited table against a logged message and save it (422 beside the field, 409 → what changed elsewhere).
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { html } from '../html.js';
import { ApiError, get, put, seg } from '../api.js';
import { ADMINISTRATORS, OPERATORS, can } from '../roles.js';
import { Checkbox, ErrorNote, Loading, Notice, PageHeader, Progress, useConfirm } from '../ui.js';
import { RuleEditor } from '../components/rule_editor.js';
import { DryRun } from '../components/rule_dry_run.js';
import { ImportDialog } from '../components/rule_import.js';
import { OtherProblems, clone, normaliseError, same } from '../components/rule_lines.js';
import { MODES, MODULES, conditionsText, newRule, tableChanges, verdictText, words } from '../components/rule_model.js';
import './rules.css';

let keyCounter = 0;
const keyed = (rules) => rules.map((rule) => ({ key: ++keyCounter, rule: clone(rule) }));

function RuleActions({ rule }) {
  if (rule.mode !== 'scan') {
    const mode = MODES.find((m) => m.value === rule.mode);
    return html`<p class="rule-mode-note">${mode ? mode.label : rule.mode}: no module runs.</p>`;
  }
  return html`<ul class="rule-actions">
    ${MODULES.map((m) => {
      const settings = rule.modules[m.name];
      if (!settings) return null;
      const notes = [];
      if ((settings.expressions || []).length) notes.push(`only the expressions ${settings.expressions.join(', ')}`);
      for (const t of m.thresholds || []) if (settings[t] !== null && settings[t] !== undefined) notes.push(`${words(t)} ${settings[t]}`);
      if (settings.quarantine && settings.quarantine.enabled) {
        notes.push(`Quarantine holds ${settings.quarantine.verdicts.map(words).join(', ')} for ${settings.quarantine.hold_minutes} min`);
      }
      return html`<li key=${m.name}><strong>${m.label}</strong>: ${settings.enabled
        ? html`${m.classes.map((c, i) => html`${i ? '; ' : ''}${words(c)} → ${verdictText(settings[c])}`)}${notes.length ? ` (${notes.join('; ')})` : ''}`
        : 'off'}</li>`;
    })}
  </ul>`;
}

function RuleSummary({ rule, isDefault }) {
  const extras = [];
  if (rule.bcc.length) extras.push(`blind copies to ${rule.bcc.join(', ')}`);
  if (Object.keys(rule.set_headers || {}).length) extras.push(`sets ${Object.keys(rule.set_headers).join(', ')}`);
  if (rule.remove_headers.length) extras.push(`removes ${rule.remove_headers.join(', ')}`);
  if (rule.disclaimer) extras.push(`disclaimer ${rule.disclaimer}`);
  if (rule.direction && rule.direction !== 'any') extras.push(`${rule.direction} mail only`);
  return html`<div class="rule-summary">
    ${rule.description && html`<p class="hint">${rule.description}</p>`}
    <dl class="rule-conditions-summary">
      <dt>Senders</dt><dd>${isDefault ? 'anyone (every sender no rule above matched)' : conditionsText(rule.senders)}</dd>
      <dt>Recipients</dt><dd>${isDefault ? 'anyone' : conditionsText(rule.recipients)}</dd>
      ${extras.length > 0 && html`<dt>Delivered mail</dt><dd>${extras.join('; ')}</dd>`}
    </dl>
    <details class="rule-actions-details">
      <summary>Actions per module</summary>
      <${RuleActions} rule=${rule} />
    </details>
  </div>`;
}

function ConflictNote({ conflict, onDismiss }) {
  return html`<div class="notice warn" role="alert" data-testid="rules-conflict">
    <strong>Another change to the rule table was saved while you were editing</strong>
    (version ${conflict.from} → ${conflict.to}). The table below is still your edit; saving it now replaces
    the other change. What changed elsewhere:
    ${conflict.changes.length
      ? html`<ul data-testid="rules-conflict-changes">${conflict.changes.map((c) => html`<li><strong>${c.rule}</strong>: ${c.what}</li>`)}</ul>`
      : html`<p>No rule changed (another part of the settings was saved).</p>`}
    <button type="button" onClick=${onDismiss}>Dismiss</button>
  </div>`;
}

export default function Rules() {
  const editable = can(ADMINISTRATORS);
  const location = useLocation();
  const initialMessage = (location.query && location.query.message) || '';
  const [state, setState] = useState(null); // {version, settings (as saved), items: [{key, rule}]}
  const [loadError, setLoadError] = useState(null);
  const [open, setOpen] = useState({}); // key → the editor is open
  const [error, setError] = useState(null); // a 422 (save or dry run) or another failure of the save
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(null);
  const [conflict, setConflict] = useState(null);
  const [dragFrom, setDragFrom] = useState(null);
  const [dragOver, setDragOver] = useState(null);
  const [importing, setImporting] = useState(null); // the rule name
  const [notice, setNotice] = useState(null);
  const [confirm, confirmDialog] = useConfirm();
  const [refocus, setRefocus] = useState(null); // after Move up/down: keep the keyboard on the moved rule

  useEffect(() => {
    if (!refocus) return;
    const item = document.querySelector(`.rule-list > li[data-key="${refocus.key}"]`);
    const buttons = item ? [...item.querySelectorAll(`[data-testid="${refocus.which}"], [data-testid="move-up"], [data-testid="move-down"]`)] : [];
    const target = refocus.which === 'name' ? item && item.querySelector('input[data-testid$="-name"]') : buttons.find((b) => !b.disabled);
    if (target) target.focus();
    setRefocus(null);
  }, [refocus]);

  const load = async () => {
    try {
      const answer = await get('/settings/rules');
      setState({ version: answer.version, settings: answer.settings, items: keyed(answer.settings.rules) });
      setLoadError(null);
    } catch (err) {
      setLoadError(err);
    }
  };
  useEffect(() => {
    load();
  }, []);

  if (loadError) return html`<${PageHeader} title="Rules" /><${ErrorNote} error=${loadError} />`;
  if (!state) return html`<${PageHeader} title="Rules" /><${Loading} what="Loading the rule table" />`;

  const rules = state.items.map((i) => i.rule);
  const last = state.items.length - 1;
  const dirty = !same(rules, state.settings.rules);
  const table = () => ({ ...state.settings, rules: state.items.map((i) => i.rule) });

  // every change is a function of the table as it is then: events may come faster than renders
  const change = (fn, { keepProblems = false } = {}) => {
    setState((s) => ({ ...s, items: fn(s.items) }));
    setSaved(null);
    if (!keepProblems) setError(null); // the problems' positions were for the table as it was sent
  };
  const updateRule = (key, fn) =>
    change((items) => items.map((item) => (item.key === key ? { ...item, rule: fn(item.rule) } : item)), { keepProblems: true });
  const move = (key, to) => {
    change((items) => {
      const from = items.findIndex((item) => item.key === key);
      const wanted = typeof to === 'function' ? to(from) : to;
      const target = Math.max(0, Math.min(wanted, items.length - 2)); // the Default rule stays last
      if (from < 0 || from === target || from >= items.length - 1) return items;
      const next = [...items];
      const [item] = next.splice(from, 1);
      next.splice(target, 0, item);
      return next;
    });
    const item = state.items.find((i) => i.key === key);
    if (item) setNotice(`Rule ${item.rule.name} moved.`);
  };
  const add = () => {
    const key = ++keyCounter;
    change((items) => {
      const names = new Set(items.map((i) => i.rule.name.toLowerCase()));
      let n = 1;
      while (names.has(`new rule ${n}`)) n += 1;
      const end = items.length - 1;
      return [...items.slice(0, end), { key, rule: newRule(`New rule ${n}`, items[end].rule) }, ...items.slice(end)];
    });
    setOpen((o) => ({ ...o, [key]: true }));
    setRefocus({ key, which: 'name' }); // the new rule's name field, ready to type
  };
  const remove = async (key, name) => {
    if (!(await confirm(`Delete the rule ${name}? It is gone when you save the table.`, 'Delete rule'))) return;
    change((items) => items.filter((item) => item.key !== key));
  };
  const discard = () => {
    setState({ ...state, items: keyed(state.settings.rules) });
    setError(null);
    setSaved(null);
    setConflict(null);
  };

  // a 422's problems name rules by position: open the editors they are in
  const showProblems = (err) => {
    setError(err);
    if (err instanceof ApiError) {
      const opened = { ...open };
      for (const p of err.problems) {
        const m = /^rules\.(\d+)/.exec(p.path);
        if (m && state.items[Number(m[1])]) opened[state.items[Number(m[1])].key] = true;
      }
      setOpen(opened);
    }
  };

  const save = async () => {
    setSaving(true);
    setSaved(null);
    setError(null);
    try {
      const answer = await put('/settings/rules', { version: state.version, settings: table() });
      setState({ version: answer.version, settings: answer.settings, items: keyed(answer.settings.rules) });
      setConflict(null);
      setSaved(`The rule table is saved (settings version ${answer.version}).`);
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        try {
          const current = await get('/settings/rules');
          setConflict({ from: state.version, to: current.version, changes: tableChanges(state.settings.rules, current.settings.rules) });
          // the user's edit stays; the next save is made from the current version
          setState((s) => ({ ...s, version: current.version, settings: current.settings }));
        } catch (reloadError) {
          setError(reloadError);
        }
      } else {
        showProblems(normaliseError(err, 'rules'));
      }
    } finally {
      setSaving(false);
    }
  };

  const onDrop = (e, index) => {
    e.preventDefault();
    const key = dragFrom ?? Number(e.dataTransfer.getData('text/plain'));
    setDragFrom(null);
    setDragOver(null);
    if (Number.isInteger(key)) move(key, index);
  };

  const shownInPage = (path) => /^rules\.\d+\.(name|description|mode|direction|senders|recipients|modules|bcc|remove_headers|set_headers|disclaimer)/.test(path);

  return html`<div class="rules-page">
    <${PageHeader} title="Rules">
      <span class="hint">Settings version ${state.version}</span>
    </${PageHeader}>
    <p>Each pair of sender and recipient is handled by the first enabled rule, top to bottom, whose conditions
      both match. The Default rule is always last and matches everyone.</p>
    ${!editable && html`<${Notice}>You can read the rule table; only administrators change it.</${Notice}>`}
    ${conflict && html`<${ConflictNote} conflict=${conflict} onDismiss=${() => setConflict(null)} />`}
    ${notice && html`<p class="visually-hidden" role="status" aria-live="polite">${notice}</p>`}

    <ol class="rule-list" data-testid="rule-list" aria-label="Rules, in the order they are tried">
      ${state.items.map(({ key, rule }, index) => {
        const isDefault = index === last;
        const draggable = editable && !isDefault;
        return html`<li key=${key} data-key=${key} data-testid=${`rule-${index}`} data-rule=${rule.name}
          class=${'rule' + (rule.enabled ? '' : ' disabled') + (dragOver === index && dragFrom !== key ? ' drop-target' : '') + (draggable ? ' draggable' : '')}
          draggable=${draggable ? 'true' : undefined}
          onDragStart=${draggable ? (e) => { setDragFrom(key); e.dataTransfer.effectAllowed = 'move'; e.dataTransfer.setData('text/plain', String(key)); } : undefined}
          onDragOver=${editable ? (e) => { if (dragFrom !== null) { e.preventDefault(); setDragOver(index); } } : undefined}
          onDragLeave=${editable ? () => setDragOver(null) : undefined}
          onDrop=${editable ? (e) => onDrop(e, index) : undefined}
          onDragEnd=${editable ? () => { setDragFrom(null); setDragOver(null); } : undefined}>
          <div class="rule-head">
            <span class="rule-position" aria-hidden="true">${index + 1}</span>
            <h2 class="rule-name"><span class="visually-hidden">Rule ${index + 1}: </span>${rule.name || '(no name)'}</h2>
            <span class=${'badge ' + (rule.enabled ? 'good' : 'bad')} data-testid="rule-state">${rule.enabled ? 'enabled' : 'disabled'}</span>
            <span class="badge">mode ${rule.mode}</span>
            ${isDefault && html`<span class="badge">fixed: always last</span>`}
            ${editable && html`<div class="rule-buttons">
              ${!isDefault && html`
                <button type="button" disabled=${index === 0} aria-label=${`Move up: ${rule.name}`} data-testid="move-up"
                  onClick=${() => { move(key, (from) => from - 1); setRefocus({ key, which: 'move-up' }); }}>Move up</button>
                <button type="button" disabled=${index >= last - 1} aria-label=${`Move down: ${rule.name}`} data-testid="move-down"
                  onClick=${() => { move(key, (from) => from + 1); setRefocus({ key, which: 'move-down' }); }}>Move down</button>
                <${Checkbox} label="Enabled" checked=${rule.enabled} data-testid="rule-enabled"
                  aria-label=${`Enabled: ${rule.name}`} onChange=${(v) => updateRule(key, (r) => ({ ...r, enabled: v }))} />`}
              <button type="button" aria-expanded=${open[key] ? 'true' : 'false'} data-testid="rule-edit"
                aria-label=${`${open[key] ? "Close editor:" : "Edit"} ${rule.name}`}
                onClick=${() => setOpen((o) => ({ ...o, [key]: !o[key] }))}>${open[key] ? 'Close editor' : 'Edit'}</button>
              ${!isDefault && html`<button type="button" disabled=${dirty} data-testid="rule-import"
                title=${dirty ? 'Save or discard your changes first' : undefined}
                aria-label=${`Import… senders or recipients into ${rule.name}`}
                onClick=${() => setImporting(rule.name)}>Import…</button>
                <button type="button" class="danger" aria-label=${`Delete ${rule.name}`} data-testid="rule-delete"
                  onClick=${() => remove(key, rule.name)}>Delete</button>`}
            </div>`}
          </div>
          ${editable && open[key]
            ? html`<${RuleEditor} rule=${rule} index=${index} isDefault=${isDefault} error=${error}
                onChange=${(fn) => updateRule(key, fn)} />`
            : html`<${RuleSummary} rule=${rule} isDefault=${isDefault} />`}
        </li>`;
      })}
    </ol>

    ${editable && html`<div class="actions rule-save-bar">
      <button type="button" onClick=${add} data-testid="rule-add">Add a rule</button>
      <button type="button" class="primary" disabled=${saving || !dirty} onClick=${save} data-testid="rules-save">Save the rule table</button>
      <button type="button" disabled=${saving || !dirty} onClick=${discard}>Discard changes</button>
      ${dirty && html`<span class="badge" data-testid="rules-dirty">unsaved changes</span>`}
    </div>`}
    ${saving && html`<${Progress} label="Saving the rule table" />`}
    ${saved && html`<${Notice} kind="ok"><span data-testid="rules-saved">${saved}</span></${Notice}>`}
    ${error && html`<div data-testid="rules-error"><${ErrorNote} error=${error} />
      <${OtherProblems} error=${error} shown=${shownInPage} /></div>`}

    ${can(OPERATORS) && editable && html`<${DryRun} table=${table} initialMessage=${initialMessage}
      onProblems=${(err) => (err ? showProblems(err) : null)} />`}

    ${importing && html`<${ImportDialog} version=${state.version}
      target=${{
        title: `Import into ${importing}`, path: `/settings/rules/${seg(importing)}/import`, sideKey: 'side',
        sides: [{ value: 'senders', label: 'Senders' }, { value: 'recipients', label: 'Recipients' }],
        hint: 'Addresses, *?-masks, domains, IP networks (senders only), /regular expressions/, user:address, group:name; # starts a comment.',
      }}
      onClose=${() => setImporting(null)}
      onDone=${(answer, side) => {
        setImporting(null);
        setNotice(null);
        setSaved(`Imported ${answer.imported} entries into the ${side} of ${importing} (settings version ${answer.version}).`);
        load();
      }} />`}
    ${confirmDialog}
  </div>`;
}
