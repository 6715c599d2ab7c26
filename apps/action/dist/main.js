import { createRequire as __meshCreateRequire } from 'node:module'; const require = __meshCreateRequire(import.meta.url);

// src/protocol.ts
import { appendFileSync } from "fs";
function getInput(name, env = process.env) {
  return (env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`] ?? "").trim();
}
function setSecret(value, out = process.stdout) {
  if (value) out.write(`::add-mask::${value}
`);
}
function setFailed(message, out = process.stdout) {
  out.write(`::error::${message.replace(/\r?\n/g, " ")}
`);
  process.exitCode = 1;
}

// src/main.ts
var key = getInput("key");
setSecret(key);
if (!getInput("server") || !key) {
  setFailed('inputs "server" and "key" are required');
}
