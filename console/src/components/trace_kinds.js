// What the event log's kinds, actions and verdicts mean in words (mailgate/events/model.py and the filters of
// mailgate/api/routes_events.py), shared by the message trace's search and its message page.

// The kinds GET /events filters by, in the order of a message's life.
export const KINDS = [
  ['received', 'Received'],
  ['scanned', 'Scanned'],
  ['decision', 'Decision'],
  ['delivered', 'Delivered'],
  ['deferred', 'Delivery deferred'],
  ['rejected', 'Rejected'],
  ['bounced', 'Bounced'],
  ['deleted', 'Deleted'],
  ['parts_removed', 'Attachments removed'],
  ['backup', 'Kept in Backup'],
  ['held', 'Held in the Anti-Spam Quarantine'],
  ['released', 'Released from Backup'],
  ['backup_downloaded', 'Backup download'],
  ['backup_removed', 'Removed from Backup'],
  ['copied', 'Copy sent (BCC)'],
  ['notified', 'Notification sent'],
  ['warning', 'Warning'],
  ['feedback', 'Spam feedback'],
  ['error', 'Processing error'],
];

const KIND_LABEL = Object.fromEntries(KINDS);
export const kindLabel = (kind) => KIND_LABEL[kind] || kind;

// How each kind reads: good (the mail went on), bad (it stopped), or neutral.
const TONE = {
  delivered: 'good', released: 'good',
  rejected: 'bad', bounced: 'bad', deleted: 'bad', error: 'bad', backup: 'warn', held: 'warn', deferred: 'warn',
  parts_removed: 'warn', warning: 'warn',
};
export const kindTone = (kind) => TONE[kind] || '';

// The actions a decision takes (GET /events `action`).
export const ACTIONS = [
  ['deliver', 'Deliver'],
  ['reject', 'Reject'],
  ['delete', 'Delete'],
  ['delete_attachment', 'Delete attachment'],
];
const ACTION_LABEL = Object.fromEntries([...ACTIONS, ['hold', 'Hold (Anti-Spam Quarantine)']]);
export const actionLabel = (action) => ACTION_LABEL[action] || action;

// The verdicts the scanners give (mailgate/stats/counting.py), offered as suggestions for the verdict filter.
export const VERDICTS = [
  'infected', 'unscannable', 'clean', 'skipped', 'blacklisted', 'spam', 'probable_spam', 'mass_mailing', 'not_spam',
  'phishing', 'probable_phishing', 'not_phishing', 'malicious_link', 'phishing_link', 'violation', 'pass', 'fail',
  'softfail', 'neutral', 'none', 'policy', 'temperror', 'permerror', 'error',
];

// The kinds that end a message's way to (some of) its recipients, and how a result list names them.
export const OUTCOMES = [
  ['delivered', 'delivered'],
  ['backup', 'kept in Backup'],
  ['held', 'held for a re-scan'],
  ['rejected', 'rejected'],
  ['bounced', 'bounced'],
  ['deleted', 'deleted'],
  ['deferred', 'deferred'],
  ['error', 'processing failed'],
  ['released', 'released'],
];

// An event's recipients: the log keeps them as one comma-separated string.
export const recipientsOf = (event) => (event.recipient || '').split(',').map((r) => r.trim()).filter(Boolean);

// The sessionStorage key of the last search's address, so a message's page can lead back to it.
export const LAST_SEARCH = 'mailgate.trace.search';
