// A small modal dialog importing entries from text (one per line, or a one-column CSV) into a rule's senders or
// recipients, or into an allow/deny list. The API names each bad line (422); nothing is imported then.
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from '../html.js';
import { ApiError, post } from '../api.js';
import { Checkbox, ErrorNote, Progress, useAction, useId } from '../ui.js';
import { RuleSelect } from './rule_editor.js';
import { normaliseError } from './rule_lines.js';

// `target`: {title, path (the endpoint), sides: [{value,label}], sideKey ('side' or 'list'), hint};
// `version`: the settings version; `onDone(answer)` after a success, `onClose()` on cancel.
export function ImportDialog({ target, version, onDone, onClose }) {
  const ref = useRef(null);
  const textId = useId('import');
  const [side, setSide] = useState(target.sides[0].value);
  const [replace, setReplace] = useState(false);
  const [text, setText] = useState('');
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog && dialog.open && dialog.close(); // the browser gives focus back to what opened it
  }, []);
  const action = useAction(async () => {
    try {
      const answer = await post(target.path, { version, text, replace, [target.sideKey]: side });
      onDone(answer, side);
      return answer;
    } catch (error) {
      throw normaliseError(error);
    }
  });
  const problems = action.error instanceof ApiError ? action.error.problems : [];
  return html`<dialog ref=${ref} class="import-dialog" aria-labelledby=${`${textId}-title`} data-testid="import-dialog"
    onCancel=${(e) => { e.preventDefault(); onClose(); }}>
    <h2 id=${`${textId}-title`}>${target.title}</h2>
    <form onSubmit=${(e) => { e.preventDefault(); action.run(); }}>
      <div class="form-row">
        <${RuleSelect} label="Into" value=${side} options=${target.sides} onChange=${setSide} testid="import-side" />
        <${Checkbox} label="Replace what is there (otherwise add to it)" checked=${replace} onChange=${setReplace} />
      </div>
      <div class=${'field' + (problems.length ? ' invalid' : '')}>
        <label for=${textId}>Entries, one per line (or a one-column CSV)</label>
        <textarea id=${textId} rows="8" value=${text} data-testid="import-text" aria-invalid=${problems.length ? 'true' : 'false'}
          onInput=${(e) => setText(e.currentTarget.value)} />
        <small class="hint">${target.hint}</small>
        ${problems.length > 0 && html`<div role="alert" data-testid="import-problems"><ul class="problem-list">
          ${problems.map((p) => html`<li class="problem">${p.message}</li>`)}</ul></div>`}
      </div>
      ${action.busy && html`<${Progress} label="Importing" />`}
      ${action.error && !problems.length && html`<${ErrorNote} error=${action.error} />`}
      <div class="actions">
        <button type="button" onClick=${onClose}>Cancel</button>
        <button type="submit" class="primary" disabled=${action.busy || !text.trim()} data-testid="import-submit">Import</button>
      </div>
    </form>
  </dialog>`;
}
