/**
 * How a GraphQL field says what it needs from X.
 *
 * Each field carries its needs in its Pothos `extensions` (readable at run time from the built schema), right next to
 * its definition. The planner reads them from the selection; there is no second table to keep in step with the types.
 */

import type { LinkKind, XKind } from '../x/params.js';

/** A field that leads to another X object: which one, and how the parent's endpoint can expand it. */
export interface XLink {
  kind: LinkKind;
  /**
   * The `expansions` value that brings the linked object into `includes` when the parent object is the one the call
   * asks for (`sender_id` on a DM endpoint, `pinned_tweet_id` on the users lookup). Where the endpoint cannot
   * expand it, the object is loaded in a batch instead.
   */
  expansion?: string;
}

/** The kinds of X call a field can make. */
export type XCall = 'dm_page' | 'dm_event' | 'node' | 'nodes' | 'me' | 'entities';

export interface XNeeds {
  /** X fields of the surrounding X object that this GraphQL field reads (`public_metrics`, `sender_id`). */
  readonly fields?: readonly string[];
  readonly link?: XLink;
  /**
   * The field makes X calls of its own, planned when it runs: a page of DM events, one event by id, a node or nodes
   * by global id, the caller's own user, or a federation router's entities. The cost estimate reads it.
   */
  readonly call?: XCall;
}

export const NEEDS_KEY = 'x';
export const KIND_KEY = 'xKind';

/** `extensions` for a field that reads the X fields `fields`. */
export function reads(...fields: string[]): { extensions: { [NEEDS_KEY]: XNeeds } } {
  return { extensions: { [NEEDS_KEY]: { fields } } };
}

/** `extensions` for a field that follows the X id field `idField` to another X object. */
export function links(idField: string | readonly string[], link: XLink): { extensions: { [NEEDS_KEY]: XNeeds } } {
  return { extensions: { [NEEDS_KEY]: { fields: typeof idField === 'string' ? [idField] : idField, link } } };
}

/** `extensions` for a field that makes X calls of its own (`call`), after reading the X fields `fields`. */
export function callsX(call: XCall, ...fields: string[]): { extensions: { [NEEDS_KEY]: XNeeds } } {
  return { extensions: { [NEEDS_KEY]: { fields, call } } };
}

/** `extensions` for an object type that stands for an X object. */
export function xKind(kind: XKind): { extensions: { [KIND_KEY]: XKind } } {
  return { extensions: { [KIND_KEY]: kind } };
}
