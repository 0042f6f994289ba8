// One rule's form: name, mode, conditions (one entry per line), the actions per module and verdict, and what
// the rule adds to delivered mail. Every control names its API path, so a 422 shows beside it.
import { html } from '../html.js';
import { ApiError } from '../api.js';
import { Checkbox, Field, TextInput, useId } from '../ui.js';
import { LinesArea } from './rule_lines.js';
import { CONDITION_FIELDS, DIRECTIONS, MODES, MODULES, SWITCHES, Words, actionsFor, setIn, words } from './rule_model.js';

// A select with a test hook and the API's problems beside it.
export function RuleSelect({ label, value, onChange, options, path, error, testid }) {
  const id = useId('rsel');
  const invalid = error instanceof ApiError && path && error.problemsAt(path).length > 0;
  return html`<${Field} label=${label} path=${path} error=${error} id=${id}>
    <select id=${id} value=${value ?? ''} data-testid=${testid} aria-invalid=${invalid ? 'true' : 'false'}
      onChange=${(e) => onChange(e.currentTarget.value)}>
      ${options.map((o) => html`<option value=${o.value} selected=${o.value === value}>${o.label}</option>`)}
    </select>
  </${Field}>`;
}

function ConditionsEditor({ side, conditions, onChange, base, error, ruleIndex }) {
  const path = `rules.${ruleIndex}.${side}`;
  const title = side === 'senders' ? 'Senders' : 'Recipients';
  return html`<fieldset class="rule-conditions">
    <legend>${title} <small>(entries of all kinds are alternatives; none at all: anyone)</small></legend>
    <div class="rule-grid">
      ${CONDITION_FIELDS.filter((f) => side === 'senders' || !f.sendersOnly).map((f) => html`<${LinesArea}
        key=${f.name} label=${`${title}: ${f.label} (one per line)`} hint=${f.hint} rows=${3}
        values=${conditions[f.name] || []} path=${`${path}.${f.name}`} error=${error}
        testid=${`${base}-${side}-${f.name}`}
        onChange=${(values) => onChange((c) => ({ ...c, [f.name]: values }))} />`)}
    </div>
    <${Checkbox} label=${`${title}: a domain includes its subdomains`} checked=${conditions.include_subdomains !== false}
      onChange=${(value) => onChange((c) => ({ ...c, include_subdomains: value }))} />
  </fieldset>`;
}

function VerdictEditor({ module, verdictClass, action, onChange, path, error, base }) {
  const set = (key) => (value) => onChange((a) => ({ ...a, [key]: value }));
  return html`<fieldset class="verdict">
    <legend>${module.label}: ${words(verdictClass)}</legend>
    <div class="form-row">
      <${RuleSelect} label="Action" value=${action.action} options=${actionsFor(module, verdictClass)}
        path=${`${path}.action`} error=${error} testid=${`${base}-action-${module.name}-${verdictClass}`}
        onChange=${set('action')} />
      <${TextInput} label="Subject tag" value=${action.subject_tag} path=${`${path}.subject_tag`}
        error=${error} onInput=${set('subject_tag')} />
      <${Checkbox} label="Keep the original in Backup" checked=${action.backup} onChange=${set('backup')} />
      <${Checkbox} label="Add the insecure-message warning" checked=${action.insecure_warning}
        onChange=${set('insecure_warning')} />
      <${LinesArea} label="Notify (one per line)" hint="administrator, sender, recipients or addresses" rows=${1}
        values=${action.notify || []} path=${`${path}.notify`} error=${error} onChange=${set('notify')} />
    </div>
  </fieldset>`;
}

function numberOrNull(text) {
  if (text === '' || text === null || text === undefined) return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : text;
}

function ModuleEditor({ module, settings, onChange, path, error, base }) {
  const set = (key) => (value) => onChange((s) => ({ ...s, [key]: value }));
  const quarantine = (fn) => onChange((s) => ({ ...s, quarantine: fn(s.quarantine) }));
  return html`<details class="module" open=${error instanceof ApiError && error.problemsAt(path).length > 0}>
    <summary>${module.label}${settings.enabled ? '' : ' (off)'}</summary>
    <${Checkbox} label=${`${module.label} runs under this rule`} checked=${settings.enabled} onChange=${set('enabled')}
      data-testid=${`${base}-module-${module.name}`} />
    ${module.thresholds && html`<div class="form-row">
      ${module.thresholds.map((t) => html`<${TextInput} key=${t} type="number" step="any" min="0"
        label=${`${Words(t)} (empty: the scanner's)`} value=${settings[t] ?? ''}
        path=${`${path}.${t}`} error=${error} onInput=${(v) => set(t)(numberOrNull(v))} />`)}
    </div>`}
    ${module.switches && html`<div class="form-row">
      ${module.switches.map((s) => html`<${Checkbox} key=${s} label=${SWITCHES[s] || Words(s)} checked=${settings[s]}
        onChange=${set(s)} />`)}
    </div>`}
    ${module.name === 'content_filter' && html`<${LinesArea} label="Expressions that apply, by name (none: all)"
      rows=${2} values=${settings.expressions || []} path=${`${path}.expressions`} error=${error}
      onChange=${set('expressions')} />`}
    ${module.name === 'antispam' && settings.quarantine && html`<fieldset class="verdict">
      <legend>Anti-Spam Quarantine</legend>
      <div class="form-row">
        <${Checkbox} label="Hold uncertain spam and scan it again" checked=${settings.quarantine.enabled}
          onChange=${(v) => quarantine((q) => ({ ...q, enabled: v }))} />
        <${TextInput} type="number" min="1" max="1440" label="Minutes held"
          value=${settings.quarantine.hold_minutes} path=${`${path}.quarantine.hold_minutes`} error=${error}
          onInput=${(v) => quarantine((q) => ({ ...q, hold_minutes: numberOrNull(v) }))} />
        ${['spam', 'probable_spam', 'mass_mailing'].map((v) => html`<${Checkbox} key=${v}
          label=${`Holds ${words(v)}`} checked=${settings.quarantine.verdicts.includes(v)}
          onChange=${(on) => quarantine((q) => ({ ...q,
            verdicts: on ? [...q.verdicts.filter((x) => x !== v), v] : q.verdicts.filter((x) => x !== v) }))} />`)}
      </div>
    </fieldset>`}
    ${module.classes.map((c) => html`<${VerdictEditor} key=${c} module=${module} verdictClass=${c}
      action=${settings[c]} path=${`${path}.${c}`} error=${error} base=${base}
      onChange=${(fn) => onChange((s) => ({ ...s, [c]: fn(s[c]) }))} />`)}
  </details>`;
}

const headerLines = (headers) => Object.entries(headers || {}).map(([name, value]) => (value ? `${name}: ${value}` : `${name}:`));
function headersFrom(lines) {
  const headers = {};
  for (const line of lines) {
    const at = line.indexOf(':');
    if (at < 0) headers[line] = '';
    else headers[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return headers;
}

export function RuleEditor({ rule, index, isDefault, onChange, error }) {
  const path = `rules.${index}`;
  const base = `rule-${index}`;
  // every change is a function of the rule as it is then (events may come faster than renders)
  const set = (key) => (value) => onChange((r) => ({ ...r, [key]: value }));
  const side = (key) => (fn) => onChange((r) => ({ ...r, [key]: fn(r[key]) }));
  return html`<div class="rule-editor" data-testid=${`${base}-editor`}>
    <div class="form-row">
      <${TextInput} label="Rule name" value=${rule.name} path=${`${path}.name`} error=${error} onInput=${set('name')}
        readOnly=${isDefault} data-testid=${`${base}-name`} />
      <${TextInput} label="Description" value=${rule.description} path=${`${path}.description`} error=${error}
        onInput=${set('description')} class="wide" />
      <${RuleSelect} label="Mode" value=${rule.mode} options=${MODES} path=${`${path}.mode`} error=${error}
        testid=${`${base}-mode`} onChange=${set('mode')} />
      ${!isDefault && html`<${RuleSelect} label="Direction" value=${rule.direction || 'any'} options=${DIRECTIONS}
        path=${`${path}.direction`} error=${error} testid=${`${base}-direction`} onChange=${set('direction')} />`}
    </div>
    ${isDefault && html`<p class="hint">Outbound mail (the organisation's own) that no rule above matched gets the
      Default rule's outbound actions (${rule.outbound_modules ? 'set in the settings' : 'built in: viruses, malicious links and spam held'}; docs/outbound.md).</p>`}
    ${isDefault
      ? html`<p class="hint">The Default rule matches every sender and recipient no other rule matched: it has no conditions, stays last and is always on.</p>`
      : html`<${ConditionsEditor} side="senders" conditions=${rule.senders} base=${base} error=${error} ruleIndex=${index}
          onChange=${side('senders')} />
        <${ConditionsEditor} side="recipients" conditions=${rule.recipients} base=${base} error=${error} ruleIndex=${index}
          onChange=${side('recipients')} />`}
    <fieldset class="rule-modules">
      <legend>Actions per module</legend>
      ${rule.mode !== 'scan' && html`<p class="hint">In mode “${rule.mode}” no module runs: these actions apply only in mode scan.</p>`}
      ${MODULES.map((m) => html`<${ModuleEditor} key=${m.name} module=${m} settings=${rule.modules[m.name]}
        path=${`${path}.modules.${m.name}`} error=${error} base=${base}
        onChange=${(fn) => onChange((r) => setIn(r, ['modules', m.name], fn(r.modules[m.name])))} />`)}
    </fieldset>
    <fieldset class="rule-delivery">
      <legend>On the mail this rule delivers</legend>
      <div class="rule-grid">
        <${LinesArea} label="Blind copies to (one address per line)" rows=${2} values=${rule.bcc} path=${`${path}.bcc`}
          error=${error} onChange=${set('bcc')} />
        <${LinesArea} label="Remove header fields (one name per line)" rows=${2} values=${rule.remove_headers}
          path=${`${path}.remove_headers`} error=${error} onChange=${set('remove_headers')} />
        <${LinesArea} label="Set header fields (Name: value, one per line)" rows=${2} values=${headerLines(rule.set_headers)}
          path=${`${path}.set_headers`} error=${error} canon=${(lines) => headerLines(headersFrom(lines))}
          onChange=${(lines) => set('set_headers')(headersFrom(lines))} />
        <${TextInput} label="Disclaimer (the name of one in Modifications; empty: none)" value=${rule.disclaimer}
          path=${`${path}.disclaimer`} error=${error} onInput=${set('disclaimer')} />
      </div>
    </fieldset>
  </div>`;
}
