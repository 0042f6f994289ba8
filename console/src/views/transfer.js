// Settings export and import: all settings as one versioned JSON document (GET /settings/export, saved as a
// file), and a document uploaded back (POST /settings/import, optionally only at a given version) with every
// problem the API finds listed.
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { api, ApiError, post } from '../api.js';
import { can, ADMINISTRATORS } from '../roles.js';
import { ErrorNote, Notice, PageHeader, Progress, useAction, useId } from '../ui.js';
import './settings.css';

async function download() {
  const response = await api('GET', '/settings/export', { raw: true });
  const blob = await response.blob();
  const text = await blob.text();
  const version = JSON.parse(text).settings_version;
  const name = `mailgate-settings-v${version}.json`;
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  return { name, version };
}

function Export() {
  const action = useAction(download);
  return html`<section class="settings-section" aria-labelledby="export-title">
    <h2 id="export-title">Export</h2>
    <p>Every setting in one JSON file: Secrets Manager names only, never a secret.</p>
    <div class="actions"><button type="button" class="primary" onClick=${() => action.run()} disabled=${action.busy}
      data-testid="export">Download the settings</button></div>
    ${action.busy && html`<${Progress} label="Exporting" />`}
    ${action.result && html`<${Notice} kind="ok">Saved <code>${action.result.name}</code> (settings version ${action.result.version}).</${Notice}>`}
    <${ErrorNote} error=${action.error} />
  </section>`;
}

function readFile(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsText(file);
  });
}

function Import() {
  const fileId = useId('file');
  const versionId = useId('ver');
  const [file, setFile] = useState(null);
  const [version, setVersion] = useState('');
  const action = useAction(async () => {
    const text = await readFile(file);
    let document;
    try {
      document = JSON.parse(text);
    } catch (err) {
      throw new ApiError(422, { error: 'not_json', message: `${file.name} is not JSON: ${err.message}` });
    }
    return post('/settings/import', document, version === '' ? undefined : { version });
  });
  const problems = action.error instanceof ApiError ? action.error.problems : [];
  const submit = (e) => {
    e.preventDefault();
    if (file) action.run();
  };
  return html`<section class="settings-section" aria-labelledby="import-title">
    <h2 id="import-title">Import</h2>
    <p>Replaces all settings at once with a document as the export writes it: every problem is listed, and
      nothing changes unless there is none.</p>
    <form onSubmit=${submit} aria-label="Import settings">
      <div class="field"><label for=${fileId}>Settings file (JSON)</label>
        <input id=${fileId} type="file" accept=".json,application/json" data-testid="import-file"
          onChange=${(e) => { setFile(e.currentTarget.files[0] || null); action.reset(); }} /></div>
      <div class="field"><label for=${versionId}>Only if the settings are at version (optional)</label>
        <input id=${versionId} type="number" min="0" value=${version} onInput=${(e) => setVersion(e.currentTarget.value)} /></div>
      <div class="actions"><button type="submit" class="primary" disabled=${!file || action.busy} data-testid="import">Import</button></div>
    </form>
    ${action.busy && html`<${Progress} label="Importing" />`}
    ${action.result && html`<${Notice} kind="ok"><span data-testid="import-done">${`Imported: the settings are now at version ${action.result.version}.`}</span></${Notice}>`}
    ${action.error && html`<div class="error" role="alert" data-testid="import-error">
      <strong>${action.error.status === 409 ? 'The settings changed meanwhile: ' : ''}${action.error.message}</strong>
      ${problems.length > 0 && html`<p>${problems.length} problem${problems.length === 1 ? '' : 's'}:</p>
        <ul class="import-problems" data-testid="import-problems">
          ${problems.map((p) => html`<li><code>${p.path}</code>: ${p.message}</li>`)}
        </ul>`}
    </div>`}
  </section>`;
}

export default function Transfer() {
  return html`<${PageHeader} title="Settings export and import" />
    <${Export} />
    ${can(ADMINISTRATORS) ? html`<${Import} />` : html`<p class="hint">Importing settings is for administrators.</p>`}`;
}
