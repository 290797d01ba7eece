// Who sends a request, as kube-apiserver's authenticators find out, in its order: a client
// certificate from the cluster CA (user = CN, groups = O), else a bearer token (a service-account
// token, tokens.ts), else (no credentials at all) system:anonymous, as anonymous auth is on by
// default. Credentials that do not check out are 401, with the reason in the log as upstream
// writes it. Impersonation headers then turn the user into another, if allowed (impersonate.ts).

import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { errors } from '../../kube/errors.js';
import { createLogger, type Logger } from '../../common/klog.js';
import { ALL_AUTHENTICATED, anonymousUser, type UserInfo } from './user.js';
import type { ServiceAccountTokens } from './tokens.js';

export interface AuthenticatorOptions {
  tokens: ServiceAccountTokens;
  log?: (line: string) => void;
}

/** The user of a client certificate: CN, and O as groups (x509.CommonNameUserConversion). */
function certificateUser(socket: TLSSocket): UserInfo | 'invalid' | undefined {
  const cert = socket.getPeerCertificate?.();
  if (!cert || Object.keys(cert).length === 0) return undefined;
  if (!socket.authorized) return 'invalid';
  const cn = cert.subject?.CN;
  if (!cn) return 'invalid';
  const o = cert.subject.O as unknown;
  const groups = Array.isArray(o) ? o.map(String) : o ? [String(o)] : [];
  return { name: Array.isArray(cn) ? cn[0] : cn, groups: [...groups, ALL_AUTHENTICATED] };
}

export class Authenticator {
  private readonly logger?: Logger;

  constructor(private readonly o: AuthenticatorOptions) {
    this.logger = o.log && createLogger('authentication.go:73', o.log);
  }

  /** The request's user before impersonation; throws 401 Unauthorized. */
  async authenticate(req: IncomingMessage): Promise<UserInfo> {
    const failures: string[] = [];
    const byCert = certificateUser(req.socket as TLSSocket);
    if (byCert && byCert !== 'invalid') return byCert;
    if (byCert === 'invalid') failures.push(`verifying certificate failed: x509: ${(req.socket as TLSSocket).authorizationError ?? 'certificate has no common name'}`);
    const header = (req.headers.authorization ?? '').trim();
    if (header) {
      const parts = header.split(' ');
      if (parts.length >= 2 && parts[0].toLowerCase() === 'bearer' && parts[1]) {
        const r = await this.o.tokens.authenticate(parts[1]);
        if ('user' in r) return r.user;
        failures.push(r.notOurs ? 'invalid bearer token' : `invalid bearer token, ${r.error}`);
      }
    }
    if (failures.length === 0) return anonymousUser();
    const err = failures.join(', ');
    this.logger?.error(null, 'Unable to authenticate the request', { err: failures.length > 1 || err.includes(', ') ? `[${err}]` : err });
    throw errors.unauthorized();
  }
}
