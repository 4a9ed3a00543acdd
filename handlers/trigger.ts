// The manual trigger (`POST /trigger` in the runtime): a person or a script asks for a
// sync and reconcile now. Authenticated by a bearer token; disabled when none is
// configured, so an open endpoint never exists by accident.

import { constantTimeEqual, lowerCaseHeaders } from './webhook.js';

export interface ManualTriggerDecision {
  status: 202 | 400 | 401 | 404;
  body: object;
  /** What was asked: every RegionSet, or the one named by ?regionSet=. The runtime checks the name exists. */
  trigger?: { source: 'manual'; regionSet?: string };
}

// The schema's rule for metadata.name (schemas/): anything else names no RegionSet.
const REGION_SET_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * Decides a manual trigger request. `query` is the request's query string or URL
 * (`/trigger?regionSet=global-api`); only regionSet is read from it.
 */
export function handleManualTrigger(
  headers: Record<string, string | string[] | undefined>,
  config: { token?: string },
  query?: string | URLSearchParams,
): ManualTriggerDecision {
  if (!config.token) return { status: 404, body: { error: 'manual trigger is disabled: no trigger token is configured' } };

  const authorization = lowerCaseHeaders(headers).authorization;
  const match = authorization ? /^Bearer[ ]+(\S+)\s*$/i.exec(authorization) : null;
  if (!match) return { status: 401, body: { error: 'authorization missing: send Authorization: Bearer <token>' } };
  if (!constantTimeEqual(match[1]!, config.token)) return { status: 401, body: { error: 'authorization invalid' } };

  const params = typeof query === 'string' ? new URLSearchParams(query.includes('?') ? query.slice(query.indexOf('?') + 1) : query) : (query ?? new URLSearchParams());
  const regionSet = params.get('regionSet');
  if (regionSet === null) return { status: 202, body: { accepted: true, regionSet: 'all' }, trigger: { source: 'manual' } };
  if (!REGION_SET_NAME.test(regionSet)) return { status: 400, body: { error: 'regionSet must be a RegionSet name such as global-api' } };
  return { status: 202, body: { accepted: true, regionSet }, trigger: { source: 'manual', regionSet } };
}
