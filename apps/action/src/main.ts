import { getInput, setFailed, setSecret } from './protocol.js';

const key = getInput('key');
setSecret(key);
if (!getInput('server') || !key) {
  setFailed('inputs "server" and "key" are required');
}
