/**
 * The classification of one device from its candidate GLPI cards, and every finding rule: pure,
 * independent of how the cards were fetched (per-serial searches today, a full scan later), so
 * that every strategy classifies with the same normalisation and finds the same findings.
 *
 * Status (unchanged meaning): one live card → found, several → conflict, none → not_found.
 * A device without a serial is not_found with a `no_serial` finding (GLPI cannot be searched).
 *
 * Normalisation for comparisons (normaliseText): Unicode compatibility forms folded, accents
 * removed, case folded, runs of white space made one space, ends trimmed. Nothing else: `-`, `_`,
 * `/` and the like stay significant. An inventory value that is empty after it is never compared.
 * - location: both sides are cut into segments at `>`, each normalised, empty segments dropped
 *   (`Paris > > Floor 2` is `Paris > Floor 2`); the inventory value matches the card's full path
 *   or its last segment.
 * - model: matches the GLPI model name, or "manufacturer model".
 * - name: the card's name.
 * A card with no value where the inventory has one is a mismatch (glpi: null).
 * Field findings, `stale` and `retired_state` are about the one card of a `found` device: on a
 * conflict, which card is the printer's is the question to settle first.
 * stale: the card's last inventory update, else its last modification, parsed as
 * 'YYYY-MM-DD HH:MM:SS' and read as UTC (GLPI returns server time; the error is at most the
 * server's UTC offset, hours against a threshold in days); older than staleDays → stale. A date in
 * the future or one that cannot be read is no evidence of staleness: no finding.
 * retired_state: the state (full name or its last segment, normalised) is one of retiredStates.
 * only_in_trash: a not_found device with trashed cards → one finding per trashed card.
 */
import type { ResultStatus } from './results';
import {
  COMPARE_FIELDS,
  type CompareField,
  type Finding,
  type MismatchFinding,
  type SerialWhitespaceFinding,
} from './findings';

/** What the rules need of a GLPI card (the GLPI client's GlpiItem has this shape). */
export interface CardFacts {
  itemtype: string;
  id: number;
  name: string | null;
  serial: string | null;
  statusName: string | null;
  /** Location completename ('Paris > Floor 2'). */
  location: string | null;
  model?: string | null;
  manufacturer?: string | null;
  /** 'YYYY-MM-DD HH:MM:SS' as GLPI returns it. */
  dateMod?: string | null;
  lastInventoryUpdate?: string | null;
}

/** A live card that matched the device's serial, with the serial as GLPI stores it. */
export interface MatchedCard<C extends CardFacts = CardFacts> {
  card: C;
  storedSerial: string;
}

export interface DeviceFacts {
  /** Null: the inventory row has no serial. */
  serialNormalized: string | null;
  name: string | null;
  model: string | null;
  location: string | null;
}

export interface FindingRules {
  /** Inventory columns compared with the card (CHECK_COMPARE_FIELDS). */
  compareFields: readonly CompareField[];
  /** CHECK_STALE_DAYS. */
  staleDays: number;
  /** CHECK_RETIRED_STATES, as configured. */
  retiredStates: readonly string[];
}

export const DEFAULT_RULES: FindingRules = { compareFields: ['location', 'model'], staleDays: 7, retiredStates: [] };

export interface Classification<C extends CardFacts = CardFacts> {
  status: Exclude<ResultStatus, 'error'>;
  /** The live cards, itemtype then id order. */
  items: C[];
  findings: Finding[];
}

/** Case, accents, white space folded (see the module comment). */
export function normaliseText(value: string): string {
  // ASCII is its own NFKD and NFC and has no marks, and \s means the same with or without the u
  // flag: the same result without the Unicode passes (most inventory values, millions a night).
  if (ASCII.test(value)) return value.toLowerCase().replace(/\s+/g, ' ').trim();
  return value.normalize('NFKD').replace(/\p{M}/gu, '').normalize('NFC').toLowerCase().replace(/\s+/gu, ' ').trim();
}

/** Only ASCII: no character above U+007F. */
const ASCII = /^[^\u0080-\uffff]*$/;

/** Path segments, each normalised, empty ones dropped. */
export function pathSegments(value: string): string[] {
  return value
    .split('>')
    .map(normaliseText)
    .filter((segment) => segment !== '');
}

// Each match function first compares the values as they are: equal values normalise equally, and
// most inventory values are the card's own (a million comparisons a night, each saved its passes).

export function locationMatches(inventory: string, glpi: string | null): boolean {
  if (glpi === inventory) return true;
  const wanted = pathSegments(inventory).join(' > ');
  if (wanted === '') return true;
  if (glpi === null) return false;
  const segments = pathSegments(glpi);
  return segments.length > 0 && (segments.join(' > ') === wanted || segments[segments.length - 1] === wanted);
}

export function modelMatches(inventory: string, model: string | null, manufacturer: string | null): boolean {
  if (model === inventory) return true;
  const wanted = normaliseText(inventory);
  if (wanted === '') return true;
  if (model === null || normaliseText(model) === '') return false;
  if (normaliseText(model) === wanted) return true;
  return manufacturer !== null && normaliseText(`${manufacturer} ${model}`) === wanted;
}

export function nameMatches(inventory: string, glpi: string | null): boolean {
  if (glpi === inventory) return true;
  const wanted = normaliseText(inventory);
  return wanted === '' || (glpi !== null && normaliseText(glpi) === wanted);
}

const GLPI_DATE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/;

/** 'YYYY-MM-DD HH:MM:SS' read as UTC, in ms; null when it is not such a date. */
export function parseGlpiDate(value: string | null | undefined): number | null {
  const match = value?.trim().match(GLPI_DATE);
  if (!match) return null;
  const [, y, mo, d, h, mi, s] = match.map(Number);
  const ms = Date.UTC(y, mo - 1, d, h, mi, s || 0);
  const back = new Date(ms);
  // 2024-02-31 and the like are not dates.
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || (s || 0) > 59) return null;
  return ms;
}

/** CHECK_RETIRED_STATES matches a state by its full name or its last segment, normalised. */
export function isRetiredState(state: string | null, retiredStates: readonly string[]): boolean {
  if (state === null || retiredStates.length === 0) return false;
  const segments = pathSegments(state);
  if (segments.length === 0) return false;
  const full = segments.join(' > ');
  const last = segments[segments.length - 1];
  return retiredPaths(retiredStates).some((wanted) => wanted === full || wanted === last);
}

/** The configured states normalised once per rule set (its array lives for a whole batch), empty ones dropped. */
const RETIRED_PATHS = new WeakMap<readonly string[], string[]>();
function retiredPaths(retiredStates: readonly string[]): string[] {
  let paths = RETIRED_PATHS.get(retiredStates);
  if (!paths) {
    paths = retiredStates.map((configured) => pathSegments(configured).join(' > ')).filter((path) => path !== '');
    RETIRED_PATHS.set(retiredStates, paths);
  }
  return paths;
}

const DAY_MS = 86_400_000;

/** The one stale rule: evidence, its age in whole days, and whether it passes the threshold. */
export function staleness(
  card: CardFacts,
  staleDays: number,
  nowMs: number,
): { evidence: 'last_inventory_update' | 'date_mod'; date: string; ageDays: number; stale: boolean } | null {
  for (const evidence of ['last_inventory_update', 'date_mod'] as const) {
    const date = evidence === 'last_inventory_update' ? card.lastInventoryUpdate : card.dateMod;
    const ms = parseGlpiDate(date);
    if (ms === null) continue;
    const ageMs = nowMs - ms;
    if (ageMs < 0) return { evidence, date: date!.trim(), ageDays: 0, stale: false };
    return { evidence, date: date!.trim(), ageDays: Math.floor(ageMs / DAY_MS), stale: ageMs > staleDays * DAY_MS };
  }
  return null;
}

/** found / conflict / not_found from the number of live cards. */
export function statusFor(liveCards: number): Classification['status'] {
  return liveCards === 0 ? 'not_found' : liveCards === 1 ? 'found' : 'conflict';
}

/** Live cards whose stored serial has white space around it. */
export function whitespaceFindings(live: readonly MatchedCard[]): SerialWhitespaceFinding[] {
  return live
    .filter(({ storedSerial }) => storedSerial !== storedSerial.trim())
    .map(({ card, storedSerial }) => ({
      kind: 'serial_whitespace',
      itemtype: card.itemtype,
      glpiId: card.id,
      storedSerial,
    }));
}

function byCard(a: CardFacts, b: CardFacts): number {
  return a.itemtype.localeCompare(b.itemtype) || a.id - b.id;
}

/** The findings comparing the inventory's columns with the card. */
export function fieldFindings(
  device: DeviceFacts,
  card: CardFacts,
  fields: readonly CompareField[],
): MismatchFinding[] {
  const findings: MismatchFinding[] = [];
  const on = { itemtype: card.itemtype, glpiId: card.id };
  for (const field of COMPARE_FIELDS) {
    if (!fields.includes(field)) continue;
    const inventory = device[field];
    // An inventory value that normalises to nothing matches anything: each match function says so
    // once it has normalised it, after the equal-values shortcut (most values are the card's own).
    if (inventory === null) continue;
    if (field === 'location' && !locationMatches(inventory, card.location)) {
      findings.push({ kind: 'location_mismatch', ...on, inventory, glpi: card.location });
    } else if (field === 'model' && !modelMatches(inventory, card.model ?? null, card.manufacturer ?? null)) {
      const glpi = card.model ? (card.manufacturer ? `${card.manufacturer} ${card.model}` : card.model) : null;
      findings.push({ kind: 'model_mismatch', ...on, inventory, glpi });
    } else if (field === 'name' && !nameMatches(inventory, card.name)) {
      findings.push({ kind: 'name_mismatch', ...on, inventory, glpi: card.name });
    }
  }
  return findings;
}

/**
 * Status and findings of one device from its candidate cards: the live cards whose serial matched
 * (each with the serial as stored) and the trashed ones (only looked for when no live card matched).
 */
export function classifyDevice<C extends CardFacts>(
  device: DeviceFacts,
  live: readonly MatchedCard<C>[],
  trashed: readonly CardFacts[],
  rules: FindingRules,
  nowMs: number,
): Classification<C> {
  if (device.serialNormalized === null) {
    return {
      status: 'not_found',
      items: [],
      findings: [{ kind: 'no_serial', name: device.name, location: device.location, model: device.model }],
    };
  }
  const sorted = [...live].sort((a, b) => byCard(a.card, b.card));
  const items = sorted.map((match) => match.card);
  const status = statusFor(items.length);
  const findings: Finding[] = [];
  if (status === 'found') {
    const [card] = items;
    findings.push(...fieldFindings(device, card, rules.compareFields));
    const age = staleness(card, rules.staleDays, nowMs);
    if (age?.stale) {
      findings.push({
        kind: 'stale',
        itemtype: card.itemtype,
        glpiId: card.id,
        evidence: age.evidence,
        date: age.date,
        ageDays: age.ageDays,
        staleDays: rules.staleDays,
      });
    }
    if (isRetiredState(card.statusName, rules.retiredStates)) {
      findings.push({ kind: 'retired_state', itemtype: card.itemtype, glpiId: card.id, state: card.statusName! });
    }
  }
  if (status === 'not_found') {
    for (const card of [...trashed].sort(byCard)) {
      findings.push({ kind: 'only_in_trash', itemtype: card.itemtype, glpiId: card.id, storedSerial: card.serial });
    }
  }
  findings.push(...whitespaceFindings(sorted));
  return { status, items, findings };
}

/** CHECK_COMPARE_FIELDS: a comma-separated list of location, model, name (may be empty: compare nothing). */
export function parseCompareFields(value: string): CompareField[] | undefined {
  const parts = value
    .split(',')
    .map((part) => part.trim().toLowerCase())
    .filter((part) => part !== '');
  if (!parts.every((part) => (COMPARE_FIELDS as readonly string[]).includes(part))) return undefined;
  return COMPARE_FIELDS.filter((field) => parts.includes(field));
}

/** CHECK_RETIRED_STATES: comma-separated GLPI state names, blanks dropped. */
export function parseStateList(value: string): string[] {
  return value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}
