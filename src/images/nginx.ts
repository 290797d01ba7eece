// The nginx image, run with Debian's nginx: a config of the container's own (pid file, temp
// paths, logs on stdout/stderr, daemon off) with the image's default server (port 80, the welcome
// page). Without /usr/sbin/nginx, a built-in server gives the same page.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageNote, GeneratedFile } from './types.js';

export const NGINX_BINARY = '/usr/sbin/nginx';
const HTML_ROOT = '/usr/share/nginx/html';
const MIME_TYPES = '/etc/nginx/mime.types';

/** The config the nginx image ships (nginx.conf + conf.d/default.conf), with per-container paths. */
export function nginxConfig(stateDir: string, mimeTypes: string | undefined, ipv6 = existsSync('/proc/net/if_inet6')): string {
  const temp = (name: string) => join(stateDir, name);
  // The image's entrypoint adds the IPv6 listener where the kernel has IPv6, so "localhost"
  // (::1 first in a pod's /etc/hosts) reaches nginx too.
  const listen = ipv6 ? 'listen 80;\n        listen [::]:80;' : 'listen 80;';
  const types = mimeTypes ? `include ${mimeTypes};` : 'types { text/html html htm; text/css css; application/javascript js; }';
  return `# Written by knit: the nginx image's default configuration for this container.
daemon off;
worker_processes 1;
pid ${temp('nginx.pid')};
error_log stderr notice;

events {
    worker_connections 1024;
}

http {
    ${types}
    default_type application/octet-stream;

    log_format main '$remote_addr - $remote_user [$time_local] "$request" '
                    '$status $body_bytes_sent "$http_referer" '
                    '"$http_user_agent" "$http_x_forwarded_for"';
    access_log /dev/stdout main;

    client_body_temp_path ${temp('client_body')};
    proxy_temp_path ${temp('proxy')};
    fastcgi_temp_path ${temp('fastcgi')};
    uwsgi_temp_path ${temp('uwsgi')};
    scgi_temp_path ${temp('scgi')};

    sendfile on;
    keepalive_timeout 65;

    server {
        ${listen}
        server_name localhost;

        location / {
            root ${HTML_ROOT};
            index index.html index.htm;
        }

        error_page 500 502 503 504 /50x.html;
        location = /50x.html {
            root ${HTML_ROOT};
        }
    }
}
`;
}

/**
 * Removes what our config already decides from nginx's own arguments: "daemon off;" inside -g
 * (a duplicate directive is fatal) and -c/-p (the image's files do not exist here).
 */
export function nginxArgs(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if ((a === '-c' || a === '-p') && i + 1 < args.length) { i++; continue; }
    if (a === '-g' && i + 1 < args.length) {
      const rest = args[i + 1].replace(/\bdaemon\s+(on|off)\s*;/g, '').trim();
      i++;
      if (rest) out.push('-g', rest);
      continue;
    }
    out.push(a);
  }
  return out;
}

export interface NginxLaunch {
  argv: string[];
  files: GeneratedFile[];
  notes: ImageNote[];
}

/** How the nginx image's `nginx` starts here; `fallback` is the built-in welcome server's argv. */
export function nginxLaunch(args: string[], stateDir: string, fallback: string[], binary = NGINX_BINARY): NginxLaunch {
  if (!existsSync(binary)) {
    return {
      argv: fallback,
      files: [],
      notes: [{ reason: 'BuiltinFallback', message: `${binary} is not installed on this machine: a built-in server answers with nginx's welcome page on port 80` }],
    };
  }
  const conf = join(stateDir, 'nginx.conf');
  return {
    argv: [binary, '-c', conf, ...nginxArgs(args)],
    files: [{ path: conf, content: nginxConfig(stateDir, existsSync(MIME_TYPES) ? MIME_TYPES : undefined) }],
    notes: [],
  };
}
