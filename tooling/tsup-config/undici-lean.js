// What the apps' bundles use of undici: `request()` and `Agent`, taken from their own modules.
// undici's index loads every part it has (fetch, WebSocket, cache stores, mocks, proxy agents,
// HTTP/2) whether used or not, and a bundle cannot leave CommonJS parts out; this saves about
// 4 MiB resident in the long-running agent (measured). Types still come from 'undici' itself.

import api from 'undici/lib/api/index.js';
import Agent from 'undici/lib/dispatcher/agent.js';
import Dispatcher from 'undici/lib/dispatcher/dispatcher.js';
import { getGlobalDispatcher } from 'undici/lib/global.js';

Object.assign(Dispatcher.prototype, api);

export { Agent, Dispatcher };

/**
 * undici's `request(url, options)` for what the libraries pass: an absolute URL (string or URL),
 * options with an optional `dispatcher` (else the global one, shared with undici's index).
 */
export function request(url, options = {}) {
  const { dispatcher = getGlobalDispatcher(), ...rest } = options;
  const u = new URL(url);
  return dispatcher.request({
    ...rest,
    origin: u.origin,
    path: `${u.pathname}${u.search}`,
    method: rest.method || (rest.body ? 'PUT' : 'GET'),
  });
}
