/**
 * Findings: what the check noticed about a device besides its status (found, conflict,
 * not_found, error keep their meaning). Each finding has a kind (the names below are fixed:
 * reports and integrations rely on them), the values compared, and one sentence every output
 * shows (glpi find, the text, CSV, JSON and HTML reports, devices show) naming the problem and
 * the fix. The rules that produce them live in classify.ts. White space in a stored serial is
 * made visible, since the whole point is that it cannot be seen: `␠` a space, `␉` a TAB, `⍽` a
 * no-break space.
 */

/** Every kind, in the order reports list their totals. */
export const FINDING_KINDS = [
  'location_mismatch',
  'model_mismatch',
  'name_mismatch',
  'stale',
  'retired_state',
  'only_in_trash',
  'no_serial',
  'serial_whitespace',
] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

export function isFindingKind(value: string): value is FindingKind {
  return (FINDING_KINDS as readonly string[]).includes(value);
}

/** The GLPI card a finding is about. */
interface OnCard {
  itemtype: string;
  glpiId: number;
}

/**
 * A card's serial as GLPI stores it has white space before or after it (typed by hand): GLPI's
 * exact search misses such a card, the white-space pass finds it, and the fix is on the card.
 */
export interface SerialWhitespaceFinding extends OnCard {
  kind: 'serial_whitespace';
  /** The serial exactly as GLPI stores it (decoded), white space included. */
  storedSerial: string;
}

/** The inventory columns that can be compared with the card (CHECK_COMPARE_FIELDS). */
export const COMPARE_FIELDS = ['location', 'model', 'name'] as const;
export type CompareField = (typeof COMPARE_FIELDS)[number];

/**
 * The inventory's value differs from the card's after normalisation (see classify.ts).
 * `glpi` is null when the card has no value at all (then the fix is to fill it in).
 */
export interface MismatchFinding extends OnCard {
  kind: 'location_mismatch' | 'model_mismatch' | 'name_mismatch';
  /** The inventory's value, as imported. */
  inventory: string;
  /** The card's value as GLPI returns it (location: its full path; model: "manufacturer model" when both exist). */
  glpi: string | null;
}

/** The card's latest inventory evidence is older than CHECK_STALE_DAYS. */
export interface StaleFinding extends OnCard {
  kind: 'stale';
  /** Which date was used: the last inventory update, else the last modification of the card. */
  evidence: 'last_inventory_update' | 'date_mod';
  /** The date as GLPI returns it ('YYYY-MM-DD HH:MM:SS', GLPI server time). */
  date: string;
  /** Whole days between that date and the check. */
  ageDays: number;
  /** The threshold the run used. */
  staleDays: number;
}

/** The card's GLPI state is one of CHECK_RETIRED_STATES while the device is active in the inventory. */
export interface RetiredStateFinding extends OnCard {
  kind: 'retired_state';
  /** The card's state as GLPI returns it (its full name). */
  state: string;
}

/**
 * A card with the device's serial is in GLPI's trash. On a not_found device it is the only card:
 * restoring it is the likely fix. (Checked for not_found devices only, see classify.ts.)
 */
export interface OnlyInTrashFinding extends OnCard {
  kind: 'only_in_trash';
  /** The trashed card's serial as stored. */
  storedSerial: string | null;
}

/** The inventory row has no serial: GLPI cannot be searched for it (its status is not_found). */
export interface NoSerialFinding {
  kind: 'no_serial';
  /** What the inventory says about the printer (null when it says nothing). */
  name: string | null;
  location: string | null;
  model: string | null;
}

/** One finding, stored as typed JSON on the result (check_results.findings). */
export type Finding =
  SerialWhitespaceFinding | MismatchFinding | StaleFinding | RetiredStateFinding | OnlyInTrashFinding | NoSerialFinding;

/** The card a finding is about, or null (no_serial). */
export function findingCard(finding: Finding): OnCard | null {
  return finding.kind === 'no_serial' ? null : { itemtype: finding.itemtype, glpiId: finding.glpiId };
}

const isText = (value: unknown): value is string => typeof value === 'string';
const isTextOrNull = (value: unknown): value is string | null => value === null || typeof value === 'string';
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value);

function onCard(entry: Record<string, unknown>): OnCard | null {
  return isText(entry.itemtype) && isCount(entry.glpiId) ? { itemtype: entry.itemtype, glpiId: entry.glpiId } : null;
}

/** One stored finding, checked field by field; null when it is not one this version knows. */
function parseFinding(entry: Record<string, unknown>): Finding | null {
  if (typeof entry !== 'object' || entry === null) return null;
  if (entry.kind === 'no_serial') {
    const { name = null, location = null, model = null } = entry;
    return isTextOrNull(name) && isTextOrNull(location) && isTextOrNull(model)
      ? { kind: 'no_serial', name, location, model }
      : null;
  }
  const card = onCard(entry);
  if (!card) return null;
  switch (entry.kind) {
    case 'serial_whitespace':
      return isText(entry.storedSerial) ? { kind: entry.kind, ...card, storedSerial: entry.storedSerial } : null;
    case 'location_mismatch':
    case 'model_mismatch':
    case 'name_mismatch':
      return isText(entry.inventory) && isTextOrNull(entry.glpi ?? null)
        ? { kind: entry.kind, ...card, inventory: entry.inventory, glpi: (entry.glpi as string | null) ?? null }
        : null;
    case 'stale':
      return (entry.evidence === 'last_inventory_update' || entry.evidence === 'date_mod') &&
        isText(entry.date) &&
        isCount(entry.ageDays) &&
        isCount(entry.staleDays)
        ? {
            kind: entry.kind,
            ...card,
            evidence: entry.evidence,
            date: entry.date,
            ageDays: entry.ageDays,
            staleDays: entry.staleDays,
          }
        : null;
    case 'retired_state':
      return isText(entry.state) ? { kind: entry.kind, ...card, state: entry.state } : null;
    case 'only_in_trash':
      return isTextOrNull(entry.storedSerial ?? null)
        ? { kind: entry.kind, ...card, storedSerial: (entry.storedSerial as string | null) ?? null }
        : null;
    default:
      return null;
  }
}

/**
 * A short name for each kind, for filters and headings (the web page's finding filter lists
 * these): a new kind of Finding does not compile until it has one here.
 */
export const FINDING_LABELS: Record<FindingKind, string> = {
  location_mismatch: 'location differs from the card',
  model_mismatch: 'model differs from the card',
  name_mismatch: 'name differs from the card',
  stale: 'card not updated for too long',
  retired_state: 'card in a retired state',
  only_in_trash: 'only card is in the trash',
  no_serial: 'no serial in the inventory',
  serial_whitespace: 'serial with stray white space',
};

/**
 * Findings as stored (check_results.findings, JSON): the known kinds, checked field by field.
 * A kind this version does not know (written by a newer one) is left out rather than misread.
 */
export function parseFindings(value: unknown): Finding[] {
  if (!Array.isArray(value)) return [];
  const findings: Finding[] = [];
  for (const entry of value as Record<string, unknown>[]) {
    const finding = parseFinding(entry);
    if (finding) findings.push(finding);
  }
  return findings;
}

/** Counts per kind (only kinds that occur). Plain data: it crosses Temporal's history. */
export type FindingCounts = Partial<Record<FindingKind, number>>;

export function countKinds(findings: readonly Finding[], into: FindingCounts = {}): FindingCounts {
  for (const finding of findings) into[finding.kind] = (into[finding.kind] ?? 0) + 1;
  return into;
}

export function addFindingCounts(a: FindingCounts, b: FindingCounts | undefined): FindingCounts {
  const sum: FindingCounts = { ...a };
  for (const kind of FINDING_KINDS) {
    const n = b?.[kind];
    if (n) sum[kind] = (sum[kind] ?? 0) + n;
  }
  return sum;
}

export function totalFindings(counts: FindingCounts | undefined): number {
  return FINDING_KINDS.reduce((sum, kind) => sum + (counts?.[kind] ?? 0), 0);
}

/** "location_mismatch 3, stale 12" (kinds in FINDING_KINDS order), or "none". */
export function findingCountsText(counts: FindingCounts | undefined): string {
  const parts = FINDING_KINDS.filter((kind) => counts?.[kind]).map((kind) => `${kind} ${counts![kind]}`);
  return parts.length > 0 ? parts.join(', ') : 'none';
}

const VISIBLE: Record<string, string> = { ' ': '\u2420', '\t': '\u2409', '\u00a0': '\u237d' };

/** The value with its white space shown; other invisible white space as \u{…}. */
export function showWhitespace(value: string): string {
  return value.replace(/\s/gu, (char) => VISIBLE[char] ?? `\\u{${char.codePointAt(0)!.toString(16).toUpperCase()}}`);
}

function card(itemtype: string, id: number): string {
  return itemtype === 'Printer' ? `card #${id}` : `${itemtype} card #${id}`;
}

/** A value in a sentence: in backticks (white space shown), or "(empty)". */
function shown(value: string | null): string {
  return value === null || value.trim() === ''
    ? '(empty)'
    : `\`${showWhitespace(value.length > 120 ? `${value.slice(0, 120)}…` : value)}\``;
}

const FIELD_WORD: Record<MismatchFinding['kind'], string> = {
  location_mismatch: 'location',
  model_mismatch: 'model',
  name_mismatch: 'name',
};

/** The one-line sentence for a finding: what differs (both values) and where to fix it. */
export function describeFinding(finding: Finding): string {
  switch (finding.kind) {
    case 'serial_whitespace':
      return `GLPI stores this serial as \`${showWhitespace(finding.storedSerial)}\`: fix it on ${card(finding.itemtype, finding.glpiId)}`;
    case 'location_mismatch':
    case 'model_mismatch':
    case 'name_mismatch': {
      const word = FIELD_WORD[finding.kind];
      return (
        `inventory ${word} ${shown(finding.inventory)}, GLPI ${shown(finding.glpi)}: ` +
        `correct the ${word} on ${card(finding.itemtype, finding.glpiId)} or in the inventory`
      );
    }
    case 'stale': {
      const what = finding.evidence === 'last_inventory_update' ? 'last inventory update' : 'last modification';
      return (
        `${what} ${finding.date}, ${finding.ageDays} days ago (over ${finding.staleDays}): ` +
        `check that the printer still reports to GLPI's inventory (${card(finding.itemtype, finding.glpiId)})`
      );
    }
    case 'retired_state':
      return (
        `GLPI state ${shown(finding.state)} but the printer is active in the inventory: ` +
        `update the state on ${card(finding.itemtype, finding.glpiId)} or deactivate the device`
      );
    case 'only_in_trash':
      return `only a trashed GLPI card has this serial: restore ${card(finding.itemtype, finding.glpiId)}`;
    case 'no_serial': {
      const said = [
        finding.name && `name ${shown(finding.name)}`,
        finding.location && `location ${shown(finding.location)}`,
        finding.model && `model ${shown(finding.model)}`,
      ].filter(Boolean);
      return `no serial in the inventory (${said.length > 0 ? said.join(', ') : 'no name, location or model'}): add it to the inventory so GLPI can be searched`;
    }
  }
}
