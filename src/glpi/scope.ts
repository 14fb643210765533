/**
 * Which entities a session really sees after the switch to all entities. GLPI answers `true` to
 * changeActiveEntities even when it changes nothing: a user whose profile on the root entity is
 * not recursive keeps seeing the root entity alone, and every printer in a sub-entity then looks
 * missing. So the scope is read back (observed on a real GLPI 10.0.19):
 *   - getActiveEntities: what the session sees (`active_entities`);
 *   - getMyEntities?is_recursive=1: what the user's profiles reach, with names (`>` HTML-encoded);
 *   - getMyProfiles: each profile's entities and whether it is recursive there.
 * The scope is complete when the session sees everything the profiles reach and some profile is
 * recursive on the root entity, or when GLPI has a single entity: search rows carry the entity
 * column (80) only in multi-entity mode, so one unforced row tells.
 */
import { GlpiConfigError, GlpiError } from './errors';
import { malformed } from './http-errors';
import { decodeGlpiText } from './search-query';
import type { GlpiRequest, GlpiResponse } from './transport';
import type { GlpiScope, ScopeProfile } from './types';

// The scope's shape lives with the other GLPI types (types.ts imports nothing from here).
export type { GlpiScope, ScopeEntity, ScopeProfile } from './types';

type Send = (request: GlpiRequest) => Promise<GlpiResponse>;

const ROOT_ENTITY = 0;

export async function readScope(send: Send, itemtype: string): Promise<GlpiScope> {
  const active = activeEntityIds((await send({ method: 'GET', endpoint: 'getActiveEntities' })).body);
  const names = await optional(send, { method: 'GET', endpoint: 'getMyEntities', query: 'is_recursive=1' });
  const reachable = entityNames(names);
  const profiles = profilesOf(await optional(send, { method: 'GET', endpoint: 'getMyProfiles' }), reachable);
  const entities = active.map((id) => ({ id, name: reachable.get(id) ?? `entity #${id}` }));
  const scope = { entities, profiles };

  const unseen = [...reachable.keys()].filter((id) => !active.includes(id));
  if (unseen.length > 0) {
    return incomplete(
      scope,
      `the session does not see ${entityList(unseen, reachable)}, which the user's profiles reach`,
    );
  }
  const recursiveOnRoot = profiles.some((p) => p.entities.some((e) => e.id === ROOT_ENTITY && e.recursive));
  if (recursiveOnRoot && active.includes(ROOT_ENTITY)) return { ...scope, complete: true };

  const nonRecursive = profiles
    .flatMap((p) =>
      p.entities.filter((e) => !e.recursive).map((e) => `profile ${p.name} is not recursive on ${e.name}`),
    )
    .join('; ');
  if (!active.includes(ROOT_ENTITY)) {
    return incomplete(scope, `the session does not see the root entity${nonRecursive ? ` (${nonRecursive})` : ''}`);
  }
  const entityMode = await multiEntityMode(send, itemtype);
  if (entityMode === 'single') return { ...scope, complete: true };
  return incomplete(
    scope,
    (nonRecursive || 'no profile is recursive on the root entity') +
      (entityMode === 'multi'
        ? ', and GLPI has other entities'
        : `; GLPI shows this session no ${itemtype} to tell whether it has other entities`),
  );
}

/** A scope as stored on a run (check_runs.scope, JSON), or null when absent or not one. */
export function parseScope(value: unknown): GlpiScope | null {
  if (typeof value !== 'object' || value === null) return null;
  const { entities, complete, reason, profiles } = value as Record<string, unknown>;
  if (!Array.isArray(entities) || typeof complete !== 'boolean') return null;
  return {
    entities: (entities as Record<string, unknown>[])
      .filter((e) => typeof e?.id === 'number')
      .map((e) => ({ id: e.id as number, name: typeof e.name === 'string' ? e.name : `entity #${String(e.id)}` })),
    complete,
    ...(typeof reason === 'string' && { reason }),
    profiles: Array.isArray(profiles) ? (profiles as ScopeProfile[]) : [],
  };
}

/** "2 entities in scope: Root entity, Root entity > Lyon". */
export function describeScope(scope: GlpiScope): string {
  const count = scope.entities.length;
  const names = scope.entities.map((e) => e.name).join(', ');
  return `${count} ${count === 1 ? 'entity' : 'entities'} in scope: ${names}`;
}

/** The warning a partial scope gets wherever it is shown (ping, doctor, reports). */
export function scopeWarning(scope: GlpiScope): string | null {
  if (scope.complete) return null;
  return `${describeScope(scope)} — devices outside them can only be \`not_found\` (${scope.reason ?? 'partial scope'})`;
}

/** GLPI_REQUIRE_FULL_SCOPE: a partial scope is a configuration error, not retried. */
export function fullScopeRequired(scope: GlpiScope): GlpiConfigError {
  return new GlpiConfigError(
    'SCOPE_INCOMPLETE',
    `the GLPI user does not see every entity (${describeScope(scope)}; ${scope.reason ?? 'partial scope'}), ` +
      'and GLPI_REQUIRE_FULL_SCOPE is true: give the API user a profile that is recursive on the root entity',
    { variable: 'GLPI_REQUIRE_FULL_SCOPE' },
  );
}

function incomplete(scope: Omit<GlpiScope, 'complete'>, reason: string): GlpiScope {
  return { ...scope, complete: false, reason };
}

function entityList(ids: number[], names: Map<number, string>): string {
  return ids.map((id) => names.get(id) ?? `entity #${id}`).join(', ');
}

/** `{"active_entity":{"id":0,"active_entity_recursive":true,"active_entities":[{"id":0}]}}` */
function activeEntityIds(body: unknown): number[] {
  const activeEntity = (body as { active_entity?: { active_entities?: unknown } } | null)?.active_entity;
  const list = activeEntity?.active_entities;
  if (!Array.isArray(list))
    throw malformed({ method: 'GET', endpoint: 'getActiveEntities' }, 'no active_entities list');
  const ids = list.map((entry) => Number((entry as { id?: unknown })?.id));
  if (ids.some((id) => !Number.isInteger(id) || id < 0)) {
    throw malformed({ method: 'GET', endpoint: 'getActiveEntities' }, 'an entity without a valid id');
  }
  return [...new Set(ids)].sort((a, b) => a - b);
}

/** `{"myentities":[{"id":1,"name":"Root entity &#62; Lyon"},…]}` */
function entityNames(body: unknown): Map<number, string> {
  const names = new Map<number, string>();
  const list = (body as { myentities?: unknown } | null)?.myentities;
  if (!Array.isArray(list)) return names;
  for (const entry of list as { id?: unknown; name?: unknown }[]) {
    if (typeof entry?.id === 'number' && typeof entry.name === 'string')
      names.set(entry.id, decodeGlpiText(entry.name));
  }
  return names;
}

/** `{"myprofiles":[{"id":6,"name":"Technician","entities":[{"id":0,"name":"Root entity","is_recursive":0}]}]}` */
function profilesOf(body: unknown, names: Map<number, string>): ScopeProfile[] {
  const list = (body as { myprofiles?: unknown } | null)?.myprofiles;
  if (!Array.isArray(list)) return [];
  return (list as { name?: unknown; entities?: unknown }[]).map((profile) => ({
    name: typeof profile?.name === 'string' ? decodeGlpiText(profile.name) : '(unnamed profile)',
    entities: (Array.isArray(profile?.entities) ? (profile.entities as Record<string, unknown>[]) : [])
      .filter((e) => typeof e?.id === 'number')
      .map((e) => {
        const id = e.id as number;
        const name = typeof e.name === 'string' ? decodeGlpiText(e.name) : (names.get(id) ?? `entity #${id}`);
        // 1/0 from the database, true/false in some versions.
        return { id, name, recursive: e.is_recursive === 1 || e.is_recursive === true || e.is_recursive === '1' };
      }),
  }));
}

/** One row of a search without forced columns: column 80 is there only in multi-entity mode. */
async function multiEntityMode(send: Send, itemtype: string): Promise<'single' | 'multi' | 'unknown'> {
  const response = await send({
    method: 'GET',
    endpoint: `search/${encodeURIComponent(itemtype)}`,
    query: 'range=0-0&forcedisplay[]=2',
  });
  const rows = (response.body as { data?: unknown } | null)?.data;
  if (!Array.isArray(rows) || rows.length === 0 || typeof rows[0] !== 'object' || rows[0] === null) return 'unknown';
  return '80' in (rows[0] as Record<string, unknown>) ? 'multi' : 'single';
}

/** Answers we can do without (a right the user lacks): their absence narrows what we can say. */
async function optional(send: Send, request: GlpiRequest): Promise<unknown> {
  try {
    return (await send(request)).body;
  } catch (error) {
    if (error instanceof GlpiError && !error.retryable) return undefined;
    throw error;
  }
}
