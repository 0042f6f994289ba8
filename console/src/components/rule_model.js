// What the rule table holds (mailgate/rules/table.py), in words: the modes, the modules with their verdict
// classes and the actions each verdict may ask for, and a rule's conditions and actions as short text.

export const DEFAULT_RULE = 'Default';

export const MODES = [
  { value: 'scan', label: 'scan: the modules decide' },
  { value: 'reject', label: 'reject without scanning' },
  { value: 'delete', label: 'delete without scanning' },
  { value: 'skip', label: 'deliver without scanning (skip)' },
];

export const DIRECTIONS = [
  { value: 'any', label: 'both directions' },
  { value: 'inbound', label: 'inbound only (mail from outside)' },
  { value: 'outbound', label: "outbound only (the organisation's own mail)" },
];

export const MODULES = [
  { name: 'antivirus', label: 'Anti-Virus', classes: ['infected', 'unscannable', 'error'], removable: ['infected'] },
  { name: 'links', label: 'Link scanning', classes: ['malicious_link', 'phishing_link'] },
  { name: 'antispam', label: 'Anti-Spam', classes: ['spam', 'probable_spam', 'mass_mailing', 'blacklisted'],
    thresholds: ['probable_threshold', 'spam_threshold'] },
  { name: 'antiphishing', label: 'Anti-Phishing', classes: ['phishing', 'probable_phishing'],
    thresholds: ['probable_threshold', 'phishing_threshold'] },
  { name: 'content_filter', label: 'Content Filtering', classes: ['unscannable', 'error'] },
  { name: 'authentication', label: 'Mail Sender Authentication',
    classes: ['spf_fail', 'dkim_fail', 'dmarc_fail', 'dmarc_reject', 'dmarc_quarantine'],
    switches: ['spf', 'dkim', 'dmarc', 'temperror_is_violation', 'permerror_is_violation', 'dmarc_primary', 'apply_dmarc_policy'] },
];

export const ACTIONS = {
  skip: 'deliver (skip)',
  reject: 'reject',
  delete_message: 'delete the message',
  delete_attachment: 'delete the infected attachments',
};

// The actions the table accepts for one verdict class: delete_attachment only where the verdict names parts.
export function actionsFor(module, verdictClass) {
  const names = ['skip', 'reject', 'delete_message'];
  if ((module.removable || []).includes(verdictClass)) names.push('delete_attachment');
  return names.map((value) => ({ value, label: ACTIONS[value] }));
}

export const words = (name) => String(name).replace(/_/g, ' ');
export const Words = (name) => words(name).replace(/^./, (c) => c.toUpperCase());

export const SWITCHES = {
  spf: 'Check SPF', dkim: 'Check DKIM', dmarc: 'Check DMARC',
  temperror_is_violation: 'A temporary DNS error counts as a violation',
  permerror_is_violation: 'A broken record (permanent error) counts as a violation',
  dmarc_primary: 'A DMARC verdict decides alone', apply_dmarc_policy: "Apply the sender domain's DMARC policy",
};

export const CONDITION_FIELDS = [
  { name: 'addresses', label: 'addresses', hint: 'alice@example.com' },
  { name: 'domains', label: 'domains', hint: 'example.com' },
  { name: 'masks', label: 'masks', hint: '* any run of characters, ? one character: *@news.example.com' },
  { name: 'regexes', label: 'regular expressions', hint: 'searched, not anchored, case-insensitive' },
  { name: 'networks', label: 'IP networks (sending client)', hint: '192.0.2.0/24 or one address', sendersOnly: true },
  { name: 'users', label: 'directory users', hint: 'by any of their addresses' },
  { name: 'groups', label: 'directory groups', hint: 'by address, DN or display name' },
  { name: 'dictionaries', label: 'Content Filtering dictionaries', hint: 'by name' },
];

export function emptyConditions() {
  return { addresses: [], masks: [], regexes: [], domains: [], include_subdomains: true, networks: [], users: [],
    groups: [], dictionaries: [] };
}

// A new rule: no conditions yet, the Default rule's module actions to start from.
export function newRule(name, defaultRule) {
  return {
    name, description: '', enabled: true, mode: 'scan',
    senders: emptyConditions(), recipients: emptyConditions(),
    modules: JSON.parse(JSON.stringify(defaultRule.modules)),
    bcc: [], remove_headers: [], set_headers: {}, disclaimer: '',
  };
}

export function conditionsText(conditions) {
  const parts = CONDITION_FIELDS.filter((f) => (conditions?.[f.name] || []).length)
    .map((f) => `${f.label}: ${conditions[f.name].join(', ')}`);
  return parts.length ? parts.join('; ') : 'anyone';
}

export function verdictText(action) {
  const bits = [ACTIONS[action.action] || action.action];
  if (action.backup) bits.push('Backup');
  if (action.subject_tag) bits.push(`tag "${action.subject_tag}"`);
  if (action.insecure_warning) bits.push('warning');
  if ((action.notify || []).length) bits.push(`notify ${action.notify.join(', ')}`);
  if (Object.keys(action.set_headers || {}).length) bits.push(`set ${Object.keys(action.set_headers).join(', ')}`);
  if ((action.remove_headers || []).length) bits.push(`remove ${action.remove_headers.join(', ')}`);
  return bits.join(' + ');
}

// {path → value} changes: a copy of `value` with `path` (array of keys) set.
export function setIn(value, path, next) {
  if (!path.length) return next;
  const [key, ...rest] = path;
  const copy = Array.isArray(value) ? [...value] : { ...value };
  copy[key] = setIn(value ? value[key] : undefined, rest, next);
  return copy;
}

// What changed between two tables, rule by rule (by name): added, deleted, changed (which parts), moved.
export function tableChanges(before, after) {
  const key = (r) => String(r.name).trim().toLowerCase();
  const was = new Map(before.map((r, i) => [key(r), { rule: r, at: i }]));
  const now = new Map(after.map((r, i) => [key(r), { rule: r, at: i }]));
  // moves are judged among the rules both tables hold, so one added rule does not "move" all below it
  const common = (list, other) => list.filter((r) => other.has(key(r))).map(key);
  const rankBefore = common(before, now);
  const rankAfter = common(after, was);
  const changes = [];
  after.forEach((rule, at) => {
    const old = was.get(key(rule));
    if (!old) {
      changes.push({ rule: rule.name, what: `added at position ${at + 1}` });
      return;
    }
    const parts = Object.keys({ ...old.rule, ...rule })
      .filter((k) => JSON.stringify(old.rule[k]) !== JSON.stringify(rule[k]))
      .flatMap((k) => (k === 'modules'
        ? Object.keys({ ...old.rule.modules, ...rule.modules })
          .filter((m) => JSON.stringify(old.rule.modules?.[m]) !== JSON.stringify(rule.modules?.[m])).map((m) => `${words(m)} actions`)
        : [k === 'enabled' ? (rule.enabled ? 'enabled' : 'disabled') : words(k)]));
    const bits = [];
    if (parts.length) bits.push(`changed: ${parts.join(', ')}`);
    if (rankBefore.indexOf(key(rule)) !== rankAfter.indexOf(key(rule))) bits.push(`moved from position ${old.at + 1} to ${at + 1}`);
    if (bits.length) changes.push({ rule: rule.name, what: bits.join('; ') });
  });
  before.forEach((rule) => {
    if (!now.has(key(rule))) changes.push({ rule: rule.name, what: 'deleted' });
  });
  return changes;
}
