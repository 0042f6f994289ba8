// The admin API: the console's only back end. Every call sends the ID token; errors keep the API's own
// shape (`error`, `message`, and `problems` naming fields) so a form can show each problem beside its field.
import { idToken, signInAgain } from './auth.js';

let base = '';

export function useApiAt(url) {
  base = url.replace(/\/$/, '');
}

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `the API answered ${status}`);
    this.status = status;
    this.code = (body && body.error) || 'error';
    this.problems = (body && Array.isArray(body.problems) && body.problems) || [];
    this.field = body && body.field;
    this.body = body;
  }

  // The problems whose path is `path` or inside it (`rules.2.name` is inside `rules.2`).
  problemsAt(path) {
    return this.problems.filter((p) => p.path === path || String(p.path).startsWith(path + '.'));
  }
}

function queryString(query) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query || {})) {
    if (value === undefined || value === null || value === '') continue;
    params.set(name, String(value));
  }
  const text = params.toString();
  return text ? '?' + text : '';
}

// One request; resolves to the JSON body (or the Response with `raw`), rejects with ApiError.
export async function api(method, path, { query, body, raw, headers } = {}) {
  const token = await idToken();
  if (!token) {
    await signInAgain();
    throw new ApiError(401, { error: 'unauthorized', message: 'signing in again' });
  }
  const init = { method, headers: { Authorization: `Bearer ${token}`, ...(headers || {}) } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(base + path + queryString(query), init);
  } catch (err) {
    throw new ApiError(0, { error: 'network', message: `the admin API at ${base} did not answer: ${err.message}` });
  }
  if (raw && response.ok) return response;
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { error: 'not_json', message: text.slice(0, 200) };
  }
  if (response.status === 401) {
    await signInAgain();
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export const get = (path, query) => api('GET', path, { query });
export const put = (path, body, query) => api('PUT', path, { body, query });
export const post = (path, body, query) => api('POST', path, { body, query });
export const patch = (path, body) => api('PATCH', path, { body });
export const del = (path, query) => api('DELETE', path, { query });

// Path segments are user data (a message id, an address): always encoded.
export const seg = (value) => encodeURIComponent(String(value));
