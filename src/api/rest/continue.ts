// List continue tokens in upstream's format: base64url of {"v":"meta.k8s.io/v1","rv":N,"start":"<key after prefix>\u0000"}.

import { posix } from 'node:path';
import { JsonSyntaxError, parseGoJson } from '../decode/index.js';
import { errors } from '../../kube/errors.js';

export interface ContinueToken {
  revision: number;
  /** Resume strictly after this storage key. */
  startAfter: string;
}

export function encodeContinue(revision: number, lastKey: string, prefix: string): string {
  const start = lastKey.slice(prefix.length) + '\u0000';
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: revision, start })).toString('base64url');
}

/** Decodes a token as upstream's storage does, refusing it in upstream's words. */
export function decodeContinue(token: string, prefix: string): ContinueToken {
  const invalid = (detail: string) => errors.badRequest(`invalid continue token: continue key is not valid${detail ? `: ${detail}` : ''}`);
  // Go's unpadded base64url: an alphabet error, or a lone last character, is "illegal" there.
  const illegal = /[^A-Za-z0-9_-]/.exec(token)?.index ?? (token.length % 4 === 1 ? token.length - 1 : -1);
  if (illegal >= 0) throw invalid(`illegal base64 data at input byte ${illegal}`);
  let parsed: { v?: unknown; rv?: unknown; start?: unknown };
  try {
    const value = parseGoJson(Buffer.from(token, 'base64url')).value;
    parsed = value !== null && typeof value === 'object' ? value as typeof parsed : {};
  } catch (err) {
    throw invalid(err instanceof JsonSyntaxError ? err.message : String(err));
  }
  if (parsed.v !== 'meta.k8s.io/v1') throw invalid(`server does not recognize this encoded version ${typeof parsed.v === 'string' ? parsed.v : ''}`);
  if (typeof parsed.rv !== 'number' || parsed.rv === 0) throw invalid('incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  if (typeof parsed.start !== 'string' || parsed.start === '') throw invalid('encoded start key empty (version meta.k8s.io/v1)');
  // A key that is not already clean could reach outside the prefix ("../"): refused.
  const key = parsed.start.startsWith('/') ? parsed.start : `/${parsed.start}`;
  const cleaned = posix.normalize(key).replace(/(.)\/+$/, '$1');
  if (cleaned !== key) throw invalid(parsed.start);
  const start = cleaned.slice(1);
  return { revision: parsed.rv, startAfter: prefix + (start.endsWith('\u0000') ? start.slice(0, -1) : start) };
}

export const CONTINUE_EXPIRED_MESSAGE =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';
