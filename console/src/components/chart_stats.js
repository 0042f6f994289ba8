// The one place that knows the shape of `GET /stats` (mailgate/api/routes_stats.py): the dashboard reads only
// what `loadStats` returns. Also the names and colours of the counters and verdicts it shows.
import { get, ApiError } from '../api.js';
import { COLOURS } from './chart_canvas.js';

const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;

// The range switch: the last 24 hours per hour, the last 7 or 30 days per (UTC) day.
export const RANGES = [
  { key: '24h', label: '24 hours', long: 'the last 24 hours', step: 'hour', buckets: 24 },
  { key: '7d', label: '7 days', long: 'the last 7 days', step: 'day', buckets: 7 },
  { key: '30d', label: '30 days', long: 'the last 30 days', step: 'day', buckets: 30 },
];

// [from, to): whole buckets ending with the current one (the API counts per UTC hour and sums UTC days).
export function rangeBounds(range, now = new Date()) {
  const length = range.step === 'hour' ? HOUR : DAY;
  const end = Math.floor(now.getTime() / length) * length + length;
  return { from: new Date(end - range.buckets * length).toISOString(), to: new Date(end).toISOString() };
}

// What the gateway counts (mailgate/stats/counting.py), in the order the cards show them.
export const TRAFFIC = [
  { key: 'received', label: 'Received', colour: COLOURS.blue, hint: 'messages taken in' },
  { key: 'delivered', label: 'Delivered', colour: COLOURS.green, hint: 'copies the destination server took' },
  { key: 'held', label: 'Held in Backup', colour: COLOURS.orange, hint: 'originals kept in Backup' },
  { key: 'rejected', label: 'Rejected', colour: COLOURS.vermillion, hint: 'messages refused' },
  { key: 'deleted', label: 'Deleted', colour: COLOURS.purple, hint: 'messages not delivered by a Delete action' },
  { key: 'delivery_failed', label: 'Delivery failures', colour: COLOURS.black, hint: 'deliveries that failed for good' },
];

// The modules whose verdicts are counted; authentication is counted as its SPF, DKIM and DMARC results.
export const MODULES = [
  ['antivirus', 'Anti-virus'],
  ['antispam', 'Anti-spam'],
  ['antiphishing', 'Anti-phishing'],
  ['links', 'Links'],
  ['content_filter', 'Content filtering'],
  ['spf', 'Authentication: SPF'],
  ['dkim', 'Authentication: DKIM'],
  ['dmarc', 'Authentication: DMARC'],
];

// How bad a verdict is, for its colour (shades of one hue per class, so that verdicts of a class are told
// apart): the worst first, the order of the stacked bars.
const SEVERITY = [
  ['bad', ['infected', 'blacklisted', 'spam', 'phishing', 'malicious_link', 'phishing_link', 'violation', 'fail'],
    ['#D55E00', '#8F3A00', '#F08A4B', '#B34700']],
  ['doubtful', ['probable_spam', 'probable_phishing', 'mass_mailing', 'unscannable', 'softfail', 'policy', 'neutral'],
    ['#E69F00', '#A87300', '#F5C04A', '#C98A00']],
  ['good', ['clean', 'not_spam', 'not_phishing', 'pass'], ['#009E73', '#00694C', '#3CC49A', '#00855F']],
  ['none', ['none', 'skipped'], ['#56B4E9', '#2C7FB8']],
  ['error', ['error', 'temperror', 'permerror'], ['#8a939c', '#5f6870', '#b3bac1']],
];

export function verdictOrder(verdict) {
  for (let i = 0; i < SEVERITY.length; i++) {
    const at = SEVERITY[i][1].indexOf(verdict);
    if (at >= 0) return i * 100 + at;
  }
  return 1000;
}

export function verdictColour(verdict) {
  for (const [, verdicts, shades] of SEVERITY) {
    const at = verdicts.indexOf(verdict);
    if (at >= 0) return shades[at % shades.length];
  }
  return COLOURS.purple;
}

export const verdictLabel = (verdict) => verdict.replace(/_/g, ' ');

const count = (value) => (Number.isFinite(Number(value)) ? Number(value) : 0);

function traffic(source) {
  return Object.fromEntries(TRAFFIC.map(({ key }) => [key, count(source && source[key])]));
}

function verdicts(source) {
  const found = {};
  for (const [module, perVerdict] of Object.entries((source && source.verdicts) || {})) {
    found[module] = Object.fromEntries(Object.entries(perVerdict || {}).map(([v, n]) => [v, count(n)]));
  }
  return found;
}

function summed(buckets) {
  const total = { traffic: traffic({}), verdicts: {} };
  for (const bucket of buckets) {
    for (const { key } of TRAFFIC) total.traffic[key] += bucket.traffic[key];
    for (const [module, perVerdict] of Object.entries(bucket.verdicts)) {
      const into = (total.verdicts[module] = total.verdicts[module] || {});
      for (const [v, n] of Object.entries(perVerdict)) into[v] = (into[v] || 0) + n;
    }
  }
  return total;
}

const QUEUE_LABELS = {
  scan: 'Scan queue',
  scan_dlq: 'Scan dead-letter queue',
  rules: 'Rules queue',
  rules_dlq: 'Rules dead-letter queue',
};

// The API's answer → what the dashboard draws.
export function fromApi(body) {
  const buckets = (body.series || []).map((b) => ({ start: b.start, traffic: traffic(b), verdicts: verdicts(b) }));
  const totals = body.totals ? { traffic: traffic(body.totals), verdicts: verdicts(body.totals) } : summed(buckets);
  if (body.totals && !body.totals.verdicts) totals.verdicts = summed(buckets).verdicts;
  const top = (items, key) => (items || []).map((i) => ({ label: String(i[key] ?? ''), count: count(i.count) }));
  return {
    from: body.from,
    to: body.to,
    step: body.step,
    buckets,
    totals,
    topSenders: top(body.top_held_senders, 'sender'),
    topDomains: top(body.top_held_domains, 'domain'),
    heldSample: body.held_sample ? { read: count(body.held_sample.read), complete: Boolean(body.held_sample.complete) } : null,
    warnings: Array.isArray(body.warnings) ? body.warnings.map(String) : [],
    queues: Object.entries(body.queues || {}).map(([name, depth]) => ({
      name,
      label: QUEUE_LABELS[name] || name,
      deadLetter: name.endsWith('_dlq'),
      depth: depth ? { visible: count(depth.visible), inFlight: count(depth.in_flight) } : null,
    })),
  };
}

// The range's numbers, or {missing: true} when this API has no /stats (an older deployment).
export async function loadStats(range) {
  const { from, to } = rangeBounds(range);
  try {
    return { ...fromApi(await get('/stats', { from, to, step: range.step })), range };
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return { missing: true, error, range };
    throw error;
  }
}
