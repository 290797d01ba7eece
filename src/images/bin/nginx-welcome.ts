// The nginx image's default site when the machine has no nginx: the welcome page on port 80, with an
// access line per request on stdout in the image's "main" log format.

import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const WELCOME = `<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>For online documentation and support please refer to
<a href="http://nginx.org/">nginx.org</a>.<br/>
Commercial support is available at
<a href="http://nginx.com/">nginx.com</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
`;

function page(): string {
  try {
    return readFileSync('/usr/share/nginx/html/index.html', 'utf8');
  } catch {
    return WELCOME;
  }
}

/** nginx's $time_local: 10/Oct/2000:13:55:36 +0000 */
function timeLocal(d = new Date()): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  const off = -d.getTimezoneOffset();
  const zone = `${off >= 0 ? '+' : '-'}${p(Math.floor(Math.abs(off) / 60))}${p(Math.abs(off) % 60)}`;
  return `${p(d.getDate())}/${months[d.getMonth()]}/${d.getFullYear()}:${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ${zone}`;
}

const body = page();
const server = createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  const found = path === '/' || path === '/index.html';
  const out = found ? body : '<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';
  res.writeHead(found ? 200 : 404, { 'Content-Type': 'text/html', Server: 'nginx' });
  res.end(req.method === 'HEAD' ? undefined : out);
  const ip = (req.socket.remoteAddress ?? '-').replace(/^::ffff:/, '');
  process.stdout.write(`${ip} - - [${timeLocal()}] "${req.method} ${req.url} HTTP/${req.httpVersion}" ${res.statusCode} ${req.method === 'HEAD' ? 0 : Buffer.byteLength(out)} "${req.headers.referer ?? '-'}" "${req.headers['user-agent'] ?? '-'}" "-"\n`);
});
server.on('error', (err) => {
  process.stderr.write(`nginx: [emerg] bind() to 0.0.0.0:80 failed (${err.message})\n`);
  process.exit(1);
});
server.listen(80);
// nginx exits at once on SIGTERM (fast shutdown) and gracefully on SIGQUIT.
process.once('SIGTERM', () => process.exit(0));
process.once('SIGQUIT', () => server.close(() => process.exit(0)));
