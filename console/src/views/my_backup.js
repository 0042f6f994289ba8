// My Backup: what the gateway kept of the mail sent to me (the API shows a personal user only their own), with
// the same safe view, release to myself (and allow the sender), and a release request where I may not release.
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { me } from '../roles.js';
import { PageHeader } from '../ui.js';
import { BackupFilterForm, BackupResults, useBackupPages, apiFilter, EMPTY_FORM } from '../components/backup_search.js';
import './backup.css';

export default function MyBackup() {
  const [filter, setFilter] = useState(() => apiFilter(EMPTY_FORM));
  const pages = useBackupPages(filter);
  const addresses = me().addresses || [];
  return html`<div class="my-backup">
    <${PageHeader} title="My Backup"><a href="/my/lists">My lists</a></${PageHeader}>
    <p class="hint">Messages to ${addresses.length ? addresses.join(', ') : 'you'} that the gateway kept instead of delivering.
      Open one to read it safely, release it to yourself, or ask an administrator for it.</p>
    <${BackupFilterForm} personal=${true} onSearch=${(form) => setFilter(apiFilter(form))} error=${pages.error} />
    <${BackupResults} pages=${pages} personal=${true} caption="My Backup entries, newest first" />
  </div>`;
}
