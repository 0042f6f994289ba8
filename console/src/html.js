// Templates without a compile step: htm's tagged templates over Preact (no JSX, no eval, CSP-safe).
import { h } from 'preact';
import htm from 'htm';

export const html = htm.bind(h);
