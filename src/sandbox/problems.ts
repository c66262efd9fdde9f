/** X's fixed problem bodies (RFC 7807, sent as `application/problem+json`), word for word. */
import { STATUS_CODES } from 'node:http';
import type { SandboxDialect } from './speech.js';

export const UNAUTHORIZED = {
  title: 'Unauthorized',
  type: 'about:blank',
  status: 401,
  detail: 'Unauthorized',
} as const;

/** The 403 for an app-only token; its `type` lives on the dialect's host. */
export function unsupportedAuthentication(dialect: SandboxDialect) {
  return {
    title: 'Unsupported Authentication',
    detail:
      'Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  Supported authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context].',
    type: dialect.problemType('unsupported-authentication'),
    status: 403,
  } as const;
}

export const TOO_MANY_REQUESTS = {
  title: 'Too Many Requests',
  type: 'about:blank',
  status: 429,
  detail: 'Too Many Requests',
} as const;

/** X's generic body for a bare status (404, 405, 5xx): the reason phrase as title and detail. */
export function statusProblem(status: number): { title: string; type: 'about:blank'; status: number; detail: string } {
  if (status === 429) return { ...TOO_MANY_REQUESTS };
  const phrase = STATUS_CODES[status] ?? 'Error';
  return { title: phrase, type: 'about:blank', status, detail: phrase };
}

/**
 * X's 403 for a write the user may not make (a conversation they are not in, someone else's event): the closest of
 * X's problem types, `not-authorized-for-resource`, on the dialect's host, with the status's own title.
 */
export function notAuthorizedForResource(
  dialect: SandboxDialect,
  action: string,
  resourceType: string,
  parameter: string,
  id: string,
) {
  return {
    title: 'Forbidden',
    type: dialect.problemType('not-authorized-for-resource'),
    status: 403,
    detail: `Sorry, you are not authorized to ${action} the ${resourceType} with ${parameter}: [${id}].`,
    resource_type: resourceType,
    resource_id: id,
    parameter,
    value: id,
  } as const;
}

/** A 404 for a write on a resource that is not there (or that the user may not see: the same answer). */
export function resourceNotFound(dialect: SandboxDialect, resourceType: string, parameter: string, id: string) {
  return {
    title: 'Not Found Error',
    type: dialect.problemType('resource-not-found'),
    status: 404,
    detail: `Could not find ${resourceType} with ${parameter === 'event_id' ? 'id' : parameter}: [${id}].`,
    resource_type: resourceType,
    resource_id: id,
    parameter,
    value: id,
  } as const;
}
