// The lab's package source: serves one directory read-only over HTTP inside the lab network,
// as a release mirror would (GET and HEAD of files; no listings, nothing outside the directory).
// Run by the lab in the server's namespace: node package-server.mjs DIR ADDRESS PORT
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import path from 'node:path';

const [dir = '', address = '', port = ''] = process.argv.slice(2);
const root = path.resolve(dir);

const server = createServer(async (req, res) => {
  const log = (status) => process.stdout.write(`${req.method} ${req.url} ${status}\n`);
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405).end();
    return log(405);
  }
  const wanted = decodeURIComponent(new URL(req.url ?? '/', 'http://lab').pathname);
  const file = path.resolve(root, `.${wanted}`);
  const info = file.startsWith(`${root}${path.sep}`)
    ? await stat(file).catch(() => undefined)
    : undefined;
  if (!info?.isFile()) {
    res.writeHead(404).end();
    return log(404);
  }
  res.writeHead(200, {
    'content-length': info.size,
    'content-type': 'application/octet-stream',
  });
  log(200);
  if (req.method === 'HEAD') return res.end();
  createReadStream(file).pipe(res);
});

server.listen(Number(port), address, () => {
  process.stdout.write(`serving ${root} on http://${address}:${port}/\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
