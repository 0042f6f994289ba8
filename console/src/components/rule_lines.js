// Pieces the Rules and Lists pages share: a one-entry-per-line text area that shows the API's problems by
// line, the API's problem paths in one shape, and small helpers for comparing documents.
import { useEffect, useState } from 'preact/hooks';
import { html } from '../html.js';
import { ApiError } from '../api.js';
import { useId } from '../ui.js';

// The API names a field as `$.rules.rules[2].name` (settings), `body.allow[0]` (request bodies) or
// `body.text:line 4` (imports); the console names it `rules.2.name`, `allow.0` and `text` (the line number goes
// into the message). `section` is the settings section the page edits (`rules`, `lists`).
export function normalisePath(path, section) {
  let p = String(path || '');
  let line = null;
  const lineMatch = p.match(/:line (\d+)$/);
  if (lineMatch) {
    line = Number(lineMatch[1]);
    p = p.slice(0, lineMatch.index);
  }
  p = p.replace(/^\$\.?/, '').replace(/^body\.?/, '').replace(/\[(\d+)\]/g, '.$1').replace(/^settings\.?/, '');
  if (section && (p === section || p.startsWith(section + '.'))) {
    const rest = p.slice(section.length + 1);
    // the rules section's document is {version, rules: [...]}: `rules.rules.2` is rule 2
    if (section !== 'rules' || rest === 'rules' || rest.startsWith('rules.')) p = rest;
  }
  return { path: p, line };
}

// The same error with every problem's path in the console's shape (the original kept as `apiPath`).
export function normaliseError(error, section) {
  if (!(error instanceof ApiError) || !error.problems.length) return error;
  error.problems = error.problems.map((problem) => {
    if (problem.apiPath !== undefined) return problem;
    const { path, line } = normalisePath(problem.path, section);
    return { ...problem, apiPath: problem.path, path, line, message: line ? `line ${line}: ${problem.message}` : problem.message };
  });
  return error;
}

export const clone = (value) => JSON.parse(JSON.stringify(value));
export const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

function splitLines(text) {
  return text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '');
}

// A list of values, one per line. The text is kept as typed (so a new empty line stays while typing) and
// replaced only when the value changes from outside (`canon` maps typed lines to the form `values` has).
// Problems at `path.N` are shown as "entry N+1: …".
export function LinesArea({ label, values, onChange, path, error, hint, rows = 4, readOnly = false, testid,
  canon = (lines) => lines }) {
  const id = useId('lines');
  const [text, setText] = useState(() => (values || []).join('\n'));
  useEffect(() => {
    if (!same(canon(splitLines(text)), values || [])) setText((values || []).join('\n'));
  }, [JSON.stringify(values)]);
  const problems = error instanceof ApiError && path ? error.problemsAt(path) : [];
  const described = problems.length ? `${id}-problems` : undefined;
  const entryOf = (p) => {
    const rest = p.path.slice(path.length + 1);
    const index = rest.split('.')[0];
    return /^\d+$/.test(index) ? `entry ${Number(index) + 1} (line ${Number(index) + 1}): ` : '';
  };
  return html`<div class=${'field' + (problems.length ? ' invalid' : '')}>
    <label for=${id}>${label}</label>
    <textarea id=${id} rows=${rows} value=${text} readOnly=${readOnly} data-testid=${testid}
      aria-invalid=${problems.length ? 'true' : 'false'} aria-describedby=${described}
      onInput=${(e) => {
        const next = e.currentTarget.value;
        setText(next);
        onChange(splitLines(next));
      }} />
    ${hint && html`<small class="hint">${hint}</small>`}
    ${problems.length > 0 && html`<div id=${described} role="alert"><ul class="problem-list">
      ${problems.map((p) => html`<li class="problem">${entryOf(p)}${p.message}</li>`)}
    </ul></div>`}
  </div>`;
}

// Problems of an error no field on the page names (so the user sees every one of them somewhere).
export function OtherProblems({ error, shown }) {
  if (!(error instanceof ApiError)) return null;
  const rest = error.problems.filter((p) => !shown(p.path));
  if (!rest.length) return null;
  return html`<div role="alert" data-testid="other-problems"><ul class="problem-list">
    ${rest.map((p) => html`<li class="problem"><code>${p.path || '(document)'}</code>: ${p.message}</li>`)}
  </ul></div>`;
}
