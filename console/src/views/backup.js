// Backup: search what was kept, open an entry's safe view, act on everything a search finds (operators), and
// answer users' release requests.
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { html } from '../html.js';
import { can, OPERATORS } from '../roles.js';
import { PageHeader, Notice } from '../ui.js';
import { BackupFilterForm, BackupResults, useBackupPages, apiFilter, EMPTY_FORM } from '../components/backup_search.js';
import { BulkActions } from '../components/backup_bulk.js';
import { ReleaseRequests } from '../components/backup_requests.js';
import './backup.css';

export default function Backup() {
  const { query } = useLocation();
  const [filter, setFilter] = useState(() => apiFilter(EMPTY_FORM));
  const pages = useBackupPages(filter);
  return html`<div class="backup">
    <${PageHeader} title="Backup"><a href="/quarantine">Anti-Spam Quarantine</a></${PageHeader}>
    ${query && query.deleted && html`<${Notice} kind="ok">Backup entry ${query.deleted} was deleted.</${Notice}>`}
    <${BackupFilterForm} onSearch=${(form) => setFilter(apiFilter(form))} error=${pages.error} />
    <${BackupResults} pages=${pages} caption="Backup entries found, newest first" />
    ${can(OPERATORS) && html`<${BulkActions} filter=${filter} onDone=${pages.firstPage && (() => { pages.firstPage(); pages.reload(); })} />`}
    ${(pages.data || pages.error) && html`<${ReleaseRequests} />`}
  </div>`;
}
