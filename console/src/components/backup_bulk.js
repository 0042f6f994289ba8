// Bulk release and deletion of what the current search finds: the count first (a dry run), then a confirmation
// naming it, then progress while the requests run, then the outcome.
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { post } from '../api.js';
import { can, ADMINISTRATORS } from '../roles.js';
import { useConfirm, useAction, ErrorNote, Progress, Checkbox } from '../ui.js';

const RELEASE_CAP = 50; // entries one POST /backup/release releases (BULK_RELEASE_CAP)
const DELETE_STEP = 100; // entries one POST /backup/delete removes here, so the progress moves
const MAX_PASSES = 40;

const entries = (n) => `${n} ${n === 1 ? 'entry' : 'entries'}`;

export function BulkActions({ filter, onDone }) {
  const [confirm, dialog] = useConfirm();
  const [asAttachment, setAsAttachment] = useState(false);
  const [includeDangerous, setIncludeDangerous] = useState(false);
  const [progress, setProgress] = useState(null); // {label, value, max}
  const [outcome, setOutcome] = useState(null); // {kind, lines}

  const bulkRelease = useAction(async () => {
    setOutcome(null);
    setProgress({ label: 'Counting what the search selects' });
    const count = await post('/backup/release', { filter, dry_run: true });
    setProgress(null);
    if (count.matched === 0) {
      setOutcome({ kind: 'info', lines: ['Nothing to release: the search selects no entry.'] });
      return null;
    }
    const question = count.more
      ? `More than ${RELEASE_CAP} entries match: this will release the newest ${RELEASE_CAP}, each to its own recipients`
        + `${filter.released === false ? ' (and go on with the next ones)' : ''}.`
      : `This will release ${entries(count.matched)}, each to its own recipients${asAttachment ? ', as an attachment' : ''}.`;
    if (!(await confirm(question, 'Release them'))) return null;
    const done = { delivered: 0, failed: 0, skipped: [], entries: 0 };
    let passes = 0;
    let more = true;
    // Only a search for unreleased entries moves on by itself: what was released drops out of it.
    while (more && passes < MAX_PASSES) {
      passes += 1;
      setProgress({ label: `Releasing (${entries(done.entries)} so far)` });
      const body = { filter, dry_run: false, as_attachment: asAttachment };
      if (includeDangerous) body.confirm = true;
      const answer = await post('/backup/release', body);
      let released = 0;
      for (const item of answer.released) {
        done.entries += 1;
        if (item.skipped) done.skipped.push(`${item.backup_id}: ${item.skipped}`);
        else released += 1;
        for (const o of item.outcomes) {
          if (o.status === 'failed') done.failed += 1;
          else done.delivered += 1;
        }
      }
      more = answer.more && filter.released === false && released > 0;
      if (answer.more && !more) done.left = true;
    }
    setProgress(null);
    const lines = [`Released ${entries(done.entries - done.skipped.length)}: ${done.delivered} deliveries, ${done.failed} failed.`];
    if (done.failed) lines.push('Release the failed ones again to retry them.');
    if (done.skipped.length) lines.push(`Skipped ${entries(done.skipped.length)}:`, ...done.skipped.slice(0, 20));
    if (done.left) lines.push('More entries match: search for "Not released" entries and release again to go on.');
    setOutcome({ kind: done.failed || done.skipped.length ? 'warn' : 'ok', lines });
    onDone();
    return done;
  });

  const bulkDelete = useAction(async () => {
    setOutcome(null);
    setProgress({ label: 'Counting what the search selects' });
    const count = await post('/backup/delete', { filter, dry_run: true });
    setProgress(null);
    if (count.matched === 0) {
      setOutcome({ kind: 'info', lines: ['Nothing to delete: the search selects no entry.'] });
      return null;
    }
    const planned = count.matched;
    const question = `This will delete ${count.more ? 'the newest ' : ''}${entries(planned)}${count.more ? ' (more match)' : ''}`
      + ' and their copies of the originals. This cannot be undone.';
    if (!(await confirm(question, 'Delete them'))) return null;
    let removed = 0;
    let passes = 0;
    while (removed < planned && passes < MAX_PASSES * 10) {
      passes += 1;
      setProgress({ label: 'Deleting', value: removed, max: planned });
      const answer = await post('/backup/delete', { filter, dry_run: false, limit: Math.min(DELETE_STEP, planned - removed) });
      removed += answer.removed.length;
      if (answer.removed.length === 0 || !answer.more) break;
    }
    setProgress(null);
    setOutcome({ kind: 'ok', lines: [`Deleted ${entries(removed)}.`] });
    onDone();
    return removed;
  });

  const busy = bulkRelease.busy || bulkDelete.busy;
  return html`<section class="bulk" aria-labelledby="bulk-title" data-testid="bulk">
    <h2 id="bulk-title">Everything this search finds</h2>
    <div class="form-row">
      <${Checkbox} label="Release as an attachment" checked=${asAttachment} onChange=${setAsAttachment} />
      ${can(ADMINISTRATORS) && html`<${Checkbox} label="Include infected or phishing entries" checked=${includeDangerous}
        onChange=${setIncludeDangerous} />`}
    </div>
    <div class="actions">
      <button type="button" disabled=${busy} onClick=${() => bulkRelease.run()} data-testid="bulk-release">Release all found…</button>
      <button type="button" class="danger" disabled=${busy} onClick=${() => bulkDelete.run()} data-testid="bulk-delete">Delete all found…</button>
    </div>
    ${progress && html`<${Progress} ...${progress} />`}
    ${bulkRelease.error && html`<${ErrorNote} error=${bulkRelease.error} />`}
    ${bulkDelete.error && html`<${ErrorNote} error=${bulkDelete.error} />`}
    ${outcome && html`<div class=${'notice ' + outcome.kind} role="status" data-testid="bulk-outcome">
      ${outcome.lines.map((line) => html`<p>${line}</p>`)}</div>`}
    ${dialog}
  </section>`;
}
