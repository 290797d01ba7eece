// List continue tokens in upstream's format: base64url of {"v":"meta.k8s.io/v1","rv":N,"start":"<key after prefix>\u0000"}.

import { errors } from '../errors.js';

export interface ContinueToken {
  revision: number;
  /** Resume strictly after this storage key. */
  startAfter: string;
}

export function encodeContinue(revision: number, lastKey: string, prefix: string): string {
  const start = lastKey.slice(prefix.length) + '\u0000';
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: revision, start })).toString('base64url');
}

export function decodeContinue(token: string, prefix: string): ContinueToken {
  let parsed: { v?: string; rv?: number; start?: string };
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw errors.badRequest('continue key is not valid: illegal base64 data at input byte 0');
  }
  if (parsed.v !== 'meta.k8s.io/v1') throw errors.badRequest('continue key is not valid: continue key is not valid: server does not recognize this encoded key');
  if (typeof parsed.rv !== 'number' || typeof parsed.start !== 'string') throw errors.badRequest('continue key is not valid: continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  const start = parsed.start.endsWith('\u0000') ? parsed.start.slice(0, -1) : parsed.start;
  if (start.includes('..') || start.startsWith('/')) throw errors.badRequest('continue key is not valid: continue key is not valid: path traversal in key');
  return { revision: parsed.rv, startAfter: prefix + start };
}

export const CONTINUE_EXPIRED_MESSAGE =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';
