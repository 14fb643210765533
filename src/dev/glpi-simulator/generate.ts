/**
 * A known mix of devices and GLPI cards, for tests, benchmarks and the demo. The expected
 * outcome is not taken from the plan but recomputed from the generated cards with the project's
 * own rule (normaliseSerial equality over active, non-template cards), so the ground truth
 * cannot drift from what was actually generated.
 */
import { noSerialKey, normaliseSerial, tryNormaliseSerial } from '../../core/serial';
import { glpiDate } from './store';
import { seededRandom, type Random } from './random';
import type {
  ExpectedFinding,
  ExpectedStatus,
  GeneratedDevice,
  GeneratedInventory,
  GenerateOptions,
  SimItem,
} from './types';

const ENTITIES: { id: number; name: string; weight: number }[] = [
  { id: 0, name: 'Root entity', weight: 3 },
  { id: 1, name: 'Root entity > Europe', weight: 1 },
  { id: 2, name: 'Root entity > Europe > Paris', weight: 3 },
  { id: 3, name: 'Root entity > Europe > Berlin', weight: 2 },
  { id: 4, name: 'Root entity > Americas', weight: 1 },
  { id: 5, name: 'Root entity > Americas > Boston', weight: 2 },
  { id: 6, name: 'Root entity > Asia & Pacific', weight: 1 },
];
const ENTITY_BAG = ENTITIES.flatMap((e) => Array<typeof e>(e.weight).fill(e));

const MODELS = [
  'HP LaserJet Pro M404dn',
  'Brother HL-L2350DW',
  'Canon i-SENSYS MF445dw',
  'Xerox VersaLink C405',
  'Lexmark MS621dn',
  'Kyocera ECOSYS P3145dn',
  'Ricoh SP 5300DN',
  'Epson WorkForce Pro WF-C5790',
];
const SITES = ['Paris', 'Berlin', 'Boston', 'Lyon', 'Singapore', 'Madrid'];
const ORGANISATIONS = ['Finance', 'HR', 'IT', 'Sales', 'Operations', 'Legal', 'R&D'];
const STATUSES = ['In use', 'In use', 'In use', 'In stock', 'Broken', null];

/** Serial shapes of real printer makers; each embeds a unique counter so no two collide. */
const SERIAL_FORMATS: ((counter: string, random: Random) => string)[] = [
  (c, r) => `CN${c}${randomChars(r, 2)}`,
  (c, r) => `E7${randomChars(r, 1)}${c}`,
  (c) => `X${c}`,
  (c, r) => `VNB3${c}${randomChars(r, 1)}`,
];

/** Serials that break naive clients: SQL wildcards, anchors, HTML-encoded characters, quotes. */
const AWKWARD: ((serial: string) => string)[] = [
  (s) => `AB&${s}`,
  (s) => `${s}%1`,
  (s) => `${s}_X`,
  (s) => `${s}+`,
  (s) => `^${s}`,
  (s) => `${s}$`,
  (s) => `${s}"Q`,
  (s) => `O'${s}`,
  (s) => `#${s}`,
  (s) => `${s}/A`,
  (s) => `${s}-É`,
  (s) => `${s}-Ø`,
  (s) => `${s.slice(0, 3)} ${s.slice(3)}`,
  (s) => `${s}-日本`,
];

/** How hand-typed serials keep white space that GLPI's `equals` does not ignore (only trailing spaces it does). */
const STRAY_WHITESPACE: ((serial: string) => string)[] = [
  (s) => `  ${s}  `,
  (s) => `${s}\t`,
  (s) => ` ${s}`,
  (s) => `\t${s} `,
];

const SERIAL_ALPHABET = [...'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789'];

function randomChars(random: Random, length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) text += random.pick(SERIAL_ALPHABET);
  return text;
}

type Plan = 'found' | 'conflict' | 'absent';

/** The GLPI states the scenarios use for retired cards; give them as CHECK_RETIRED_STATES. */
export const GENERATED_RETIRED_STATES = 'Decommissioned,Stolen';
/** The rules the generated ground truth is for (every finding on). */
export const ALL_FINDINGS_RULES = {
  compareFields: 'location,model,name',
  staleDays: 7,
  retiredStates: GENERATED_RETIRED_STATES,
} as const;

const DAY_MS = 86_400_000;

/** A scenario with some of every finding (the bench's and the findings test's, with ALL_FINDINGS_RULES). */
export const FINDINGS_SCENARIO = {
  whitespaceRate: 0.005,
  locationDriftRate: 0.02,
  modelDriftRate: 0.02,
  nameDriftRate: 0.01,
  staleRate: 0.03,
  retiredRate: 0.01,
  trashOnlyRate: 0.01,
  noSerialRate: 0.005,
} as const;

export function generateInventory(options: GenerateOptions): GeneratedInventory {
  const count = Math.max(0, Math.floor(options.devices));
  const random = seededRandom(options.seed ?? 1);
  const awkward = options.awkwardSerials === true;
  const now = options.now ?? Date.now();
  const builder = new CardBuilder(random, awkward);

  const plans = planDevices(count, options, random);
  const foundIndexes = random.shuffle(plans.flatMap((plan, index) => (plan === 'found' ? [index] : [])));
  let taken = 0;
  const take = (rate: number | undefined, fallback: number): Set<number> => {
    const set = new Set(foundIndexes.slice(taken, taken + Math.round(count * (rate ?? fallback))));
    taken += set.size;
    return set;
  };
  const trashed = take(options.trashedDuplicateRate, 0.02);
  const templates = take(options.templateRate, 0.01);
  const decoys = take(options.decoyRate, 0.05);
  const whitespace = take(options.whitespaceRate, 0);
  // Drift on found devices: disjoint from each other, so each device has at most one planned finding.
  const locationDrift = take(options.locationDriftRate, 0);
  const modelDrift = take(options.modelDriftRate, 0);
  const nameDrift = take(options.nameDriftRate, 0);
  const stale = take(options.staleRate, 0);
  const retired = take(options.retiredRate, 0);
  const absentIndexes = plans.flatMap((plan, index) => (plan === 'absent' ? [index] : []));
  const trashOnly = new Set(absentIndexes.slice(0, Math.round(count * (options.trashOnlyRate ?? 0))));
  const noSerial = new Set(
    absentIndexes.slice(trashOnly.size, trashOnly.size + Math.round(count * (options.noSerialRate ?? 0))),
  );
  const largeConflicts = count >= 1000 ? Math.max(1, Math.floor(count / 5000)) : 0;

  const devices: GeneratedDevice[] = [];
  const planned = new Map<number, ExpectedFinding[]>();
  const expect = (index: number, finding: ExpectedFinding) =>
    planned.set(index, [...(planned.get(index) ?? []), finding]);
  let conflictsSeen = 0;
  for (let index = 0; index < count; index++) {
    const canonical = builder.serial(index, awkward && index % 7 === 3);
    const plan = plans[index];
    const device = builder.device(canonical, index);
    devices.push(device);
    if (noSerial.has(index)) {
      // An inventory row without a serial: imported, checked as not_found with a no_serial finding.
      device.serial = '';
      device.name = `NOSERIAL-${String(index + 1).padStart(6, '0')}`;
      expect(index, { kind: 'no_serial', glpiId: null });
      continue;
    }
    if (plan === 'found') {
      const card = whitespace.has(index)
        ? builder.exactCard(STRAY_WHITESPACE[index % STRAY_WHITESPACE.length](canonical))
        : builder.card(canonical);
      builder.align(card, device, index, now);
      if (locationDrift.has(index)) {
        card.location = index % 2 === 0 ? null : 'Elsewhere > Basement';
        expect(index, { kind: 'location_mismatch', glpiId: card.id });
      } else if (modelDrift.has(index)) {
        card.model = index % 2 === 0 ? null : `${card.model} Mk II`;
        expect(index, { kind: 'model_mismatch', glpiId: card.id });
      } else if (nameDrift.has(index)) {
        card.name = `${card.name}-OLD`;
        expect(index, { kind: 'name_mismatch', glpiId: card.id });
      } else if (stale.has(index)) {
        const old = glpiDate(new Date(now - 30 * DAY_MS));
        if (index % 2 === 0) card.lastInventoryUpdate = old;
        else {
          card.lastInventoryUpdate = null;
          card.dateMod = old;
        }
        expect(index, { kind: 'stale', glpiId: card.id });
      } else if (retired.has(index)) {
        card.statusName = index % 2 === 0 ? 'Decommissioned' : 'Retired > Stolen';
        expect(index, { kind: 'retired_state', glpiId: card.id });
      }
      if (trashed.has(index)) builder.card(canonical, { isDeleted: true });
      if (templates.has(index)) builder.card(canonical, { isTemplate: true });
      if (decoys.has(index)) builder.decoy(canonical);
    } else if (plan === 'conflict') {
      const cards = conflictsSeen++ < largeConflicts ? random.int(25, 40) : random.int(2, 5);
      for (let i = 0; i < cards; i++) builder.card(canonical);
    } else if (trashOnly.has(index)) {
      const card = builder.card(canonical, { isDeleted: true });
      expect(index, { kind: 'only_in_trash', glpiId: card.id });
    } else if (random.chance(0.3)) {
      // Absent devices that GLPI only has in the trash, or as a template: still not found.
      const card = builder.card(canonical, random.chance(0.6) ? { isDeleted: true } : { isTemplate: true });
      if (card.isDeleted) expect(index, { kind: 'only_in_trash', glpiId: card.id });
    }
    // A `%` is a LIKE wildcard: a card only the wildcard matches must not count.
    if (canonical.includes('%') && plan !== 'absent') builder.exactCard(canonical.replace('%', 'Z'));
  }
  builder.noise(Math.round(count * 0.1), count);

  return withGroundTruth(builder.items, devices, planned, now);
}

function planDevices(count: number, options: GenerateOptions, random: Random): Plan[] {
  const conflicts = Math.round(count * (options.conflictRate ?? 0.05));
  const absent = Math.min(count - conflicts, Math.round(count * (options.absentRate ?? 0.05)));
  const plans: Plan[] = Array<Plan>(count).fill('found');
  plans.fill('conflict', 0, conflicts);
  plans.fill('absent', conflicts, conflicts + absent);
  return random.shuffle(plans);
}

class CardBuilder {
  readonly items: SimItem[] = [];
  private nextId = 1;

  constructor(
    private readonly random: Random,
    private readonly awkward: boolean,
  ) {}

  serial(index: number, awkward: boolean): string {
    const counter = index.toString(36).toUpperCase().padStart(6, '0');
    const serial = SERIAL_FORMATS[index % SERIAL_FORMATS.length](counter, this.random);
    return awkward ? AWKWARD[Math.floor(index / 7) % AWKWARD.length](serial) : serial;
  }

  device(canonical: string, index: number): GeneratedDevice {
    const site = this.random.pick(SITES);
    return {
      serial: this.deviceSpelling(canonical),
      name: `PRN-${site.slice(0, 3).toUpperCase()}-${String(index + 1).padStart(6, '0')}`,
      model: this.random.pick(MODELS),
      location: `${site} > Floor ${this.random.int(0, 6)}`,
      organisation: this.random.pick(ORGANISATIONS),
    };
  }

  /** An active card (unless flagged) with the canonical serial in some case spelling of GLPI's. */
  card(canonical: string, flags: { isDeleted?: boolean; isTemplate?: boolean } = {}): SimItem {
    let serial = this.caseVariant(canonical);
    // Hand-typed serials sometimes keep a trailing space: `=` ignores it, LIKE 'X' does not.
    if (this.awkward && this.random.chance(0.02)) serial += ' ';
    return this.exactCard(serial, flags);
  }

  exactCard(serial: string | null, flags: { isDeleted?: boolean; isTemplate?: boolean } = {}): SimItem {
    const id = this.nextId++;
    const entity = this.random.pick(ENTITY_BAG);
    const item: SimItem = {
      id,
      itemtype: 'Printer',
      name: flags.isTemplate ? `Template ${this.random.pick(MODELS)}` : `PRN-${String(id).padStart(6, '0')}`,
      serial,
      otherserial: `INV-${String(id).padStart(7, '0')}`,
      labelSerial: serial !== null && this.random.chance(0.3) ? serial : null,
      statusName: this.random.pick(STATUSES),
      location: `${this.random.pick(SITES)} > Floor ${this.random.int(0, 6)}`,
      entity: entity.name,
      entityId: entity.id,
    };
    if (flags.isDeleted) item.isDeleted = true;
    if (flags.isTemplate) item.isTemplate = true;
    this.items.push(item);
    return item;
  }

  /**
   * The device's own card agrees with the inventory (under the documented normalisation), in the
   * shapes real inventories differ by: the location's full path or its last segment, other case
   * and spacing, `a > > b`; the model with or without the manufacturer; fresh dates (some in the
   * future, which is not staleness). Uses no randomness: the rest of the scenario stays as it was.
   */
  align(card: SimItem, device: GeneratedDevice, index: number, now: number): void {
    const cut = device.location.indexOf(' > ');
    const site = device.location.slice(0, cut);
    const floor = device.location.slice(cut + 3);
    card.location = `${site} > ${floor}`;
    card.name = device.name;
    const space = device.model.indexOf(' ');
    card.manufacturer = device.model.slice(0, space);
    card.model = index % 3 === 0 ? device.model : device.model.slice(space + 1);
    switch (index % 5) {
      case 1:
        device.location = floor;
        break;
      case 2:
        device.location = `${site.toUpperCase()}  >  ${floor.toLowerCase()}`;
        break;
      case 3:
        device.location = `${site} > > ${floor}`;
        break;
      case 4:
        device.model = `${device.model}  `;
        break;
    }
    card.lastInventoryUpdate =
      index % 50 === 7
        ? this.date(now + 2 * DAY_MS)
        : index % 2 === 0
          ? this.date(now - (index % 48) * 3_600_000)
          : null;
  }

  private readonly dates = new Map<number, string>();

  /** glpiDate, memoised: the scenarios use a few dozen distinct dates. */
  private date(ms: number): string {
    let text = this.dates.get(ms);
    if (text === undefined) {
      text = glpiDate(new Date(ms));
      this.dates.set(ms, text);
    }
    return text;
  }

  /** A card whose serial contains the device's: only a non-exact search finds it. */
  decoy(canonical: string): void {
    const shapes = [`X${canonical}`, `${canonical}-2`, `${canonical}0`];
    this.exactCard(this.caseVariant(this.random.pick(shapes)));
  }

  /** Cards no device points at: other printers, and cards without a serial. */
  noise(count: number, firstIndex: number): void {
    for (let i = 0; i < count; i++) this.exactCard(this.serial(firstIndex + i, false).toLowerCase());
    for (let i = 0; i < Math.ceil(count / 10); i++) this.exactCard(i % 2 === 0 ? null : '');
  }

  private caseVariant(serial: string): string {
    const roll = this.random.next();
    if (roll < 0.5) return serial;
    if (roll < 0.8) return serial.toLowerCase();
    return this.flipCase(serial);
  }

  /** How the inventory spells it: other case, surrounding spaces, sometimes without accents. */
  private deviceSpelling(canonical: string): string {
    let serial = this.random.chance(0.5) ? this.flipCase(canonical) : canonical.toUpperCase();
    if (this.random.chance(0.2)) serial = serial.normalize('NFKD').replace(/\p{M}/gu, '').normalize('NFC');
    if (this.random.chance(0.25))
      serial = `${' '.repeat(this.random.int(1, 2))}${serial}${' '.repeat(this.random.int(0, 2))}`;
    return serial;
  }

  private flipCase(serial: string): string {
    return serial.replace(/[A-Za-z]/g, (c) => (this.random.chance(0.5) ? c.toLowerCase() : c.toUpperCase()));
  }
}

/**
 * The expected outcome per device: the status and ids recomputed from the cards (the active,
 * non-template ones sharing its normalised serial), the white-space findings recomputed from the
 * stored serials, the other findings as planned.
 */
function withGroundTruth(
  items: SimItem[],
  devices: GeneratedDevice[],
  planned: Map<number, ExpectedFinding[]>,
  now: number,
): GeneratedInventory {
  const cardsBySerial = new Map<string, number[]>();
  const whitespaceBySerial = new Map<string, number[]>();
  for (const item of items) {
    if (item.isDeleted || item.isTemplate || item.serial === null) continue;
    const normalised = tryNormaliseSerial(item.serial);
    if (!normalised.ok) continue;
    const ids = cardsBySerial.get(normalised.serial);
    if (ids) ids.push(item.id);
    else cardsBySerial.set(normalised.serial, [item.id]);
    if (item.serial !== item.serial.trim()) {
      whitespaceBySerial.set(normalised.serial, [...(whitespaceBySerial.get(normalised.serial) ?? []), item.id]);
    }
  }
  const expected: GeneratedInventory['expected'] = new Map();
  const counts = { found: 0, conflict: 0, not_found: 0 };
  devices.forEach((device, index) => {
    const serial = device.serial === '' ? noSerialKey(device)! : normaliseSerial(device.serial);
    if (expected.has(serial)) throw new Error(`generator produced the serial ${serial} twice`);
    const glpiIds = device.serial === '' ? [] : [...(cardsBySerial.get(serial) ?? [])].sort((a, b) => a - b);
    const status: ExpectedStatus = glpiIds.length === 0 ? 'not_found' : glpiIds.length === 1 ? 'found' : 'conflict';
    counts[status]++;
    const whitespaceIds = whitespaceBySerial.get(serial)?.sort((a, b) => a - b);
    const plannedFindings = planned.get(index);
    const findings: ExpectedFinding[] =
      plannedFindings || whitespaceIds
        ? [
            ...(plannedFindings ?? []),
            ...(whitespaceIds ?? []).map((glpiId) => ({ kind: 'serial_whitespace', glpiId })),
          ].sort((a, b) => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : (a.glpiId ?? 0) - (b.glpiId ?? 0)))
        : [];
    expected.set(serial, { status, glpiIds, ...(whitespaceIds && { whitespaceIds }), findings });
  });
  return { items, devices, expected, counts, now };
}
