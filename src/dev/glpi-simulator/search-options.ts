/**
 * The Printer search options the simulator knows (GLPI's ids, which other asset types share),
 * and how each reads its value from a stored item.
 */
import type { StoredItem } from './store';

export type OptionDatatype = 'itemlink' | 'number' | 'string' | 'text' | 'dropdown' | 'datetime' | 'bool';

export interface SearchOption {
  id: number;
  name: string;
  table: string;
  field: string;
  datatype: OptionDatatype;
  /** The `uid_cols` key after the itemtype, e.g. 'serial' for 'Printer.serial'. */
  uid: string;
  /** The value as search results show it (GLPI 10: HTML-encoded). */
  value: (item: StoredItem) => string | number | null;
  /** For dropdowns and the name link: what `equals` compares (an id). */
  equalsId?: (item: StoredItem) => number | null;
}

/** GLPI's default display preferences for Printer (install/empty_data.php). */
export const DEFAULT_DISPLAY = [31, 23, 3, 4, 40, 19];

/** The plugin "fields" custom field holding the label serial. */
export const LABEL_SERIAL_OPTION = 76670;

/** A column of the item's own table (glpi_printers for Printer). */
function own(
  id: number,
  name: string,
  field: string,
  datatype: OptionDatatype,
  value: SearchOption['value'],
): SearchOption {
  return { id, name, table: 'printers', field, datatype, uid: field, value };
}

/** A dropdown reached by a join: `equals` compares its id, `contains` its name. */
function joined(
  id: number,
  name: string,
  table: string,
  uid: string,
  value: SearchOption['value'] = () => null,
  equalsId: SearchOption['equalsId'] = () => null,
): SearchOption {
  const field = uid.endsWith('completename') ? 'completename' : 'name';
  return { id, name, table, field, datatype: 'dropdown', uid, value, equalsId };
}

const OPTIONS: SearchOption[] = [
  // The name is an itemlink: `equals` on it compares the item id.
  { ...own(1, 'Name', 'name', 'itemlink', (i) => i.stored.name), equalsId: (i) => i.id },
  own(2, 'ID', 'id', 'number', (i) => i.id),
  joined(
    3,
    'Location',
    'glpi_locations',
    'Location.completename',
    (i) => i.stored.location,
    (i) => i.locationId,
  ),
  joined(4, 'Type', 'glpi_printertypes', 'PrinterType.name'),
  own(5, 'Serial number', 'serial', 'string', (i) => i.stored.serial),
  own(6, 'Inventory number', 'otherserial', 'string', (i) => i.stored.otherserial),
  own(7, 'Alternate username', 'contact', 'string', () => null),
  own(16, 'Comments', 'comment', 'text', () => null),
  own(19, 'Last update', 'date_mod', 'datetime', (i) => i.dateMod),
  joined(23, 'Manufacturer', 'glpi_manufacturers', 'Manufacturer.name', (i) => i.stored.manufacturer),
  joined(
    31,
    'Status',
    'glpi_states',
    'State.completename',
    (i) => i.stored.status,
    (i) => i.statusId,
  ),
  joined(40, 'Model', 'glpi_printermodels', 'PrinterModel.name', (i) => i.stored.model),
  joined(
    80,
    'Entity',
    'glpi_entities',
    'Entity.completename',
    (i) => i.stored.entity,
    (i) => i.entityId,
  ),
  own(83, 'Last inventory update', 'last_inventory_update', 'datetime', (i) => i.lastInventoryUpdate),
  own(86, 'Child entities', 'is_recursive', 'bool', () => 0),
  own(121, 'Creation date', 'date_creation', 'datetime', (i) => i.dateMod),
  // Plugin "fields" keeps it in its own table; whether GLPI's `equals` then compares the text or a
  // row id is unverified. The simulator compares the text, like serial.
  {
    ...own(LABEL_SERIAL_OPTION, 'Label serial', 'labelserialfield', 'string', (i) => i.stored.labelSerial),
    table: 'glpi_plugin_fields_printerlabels',
    uid: 'PluginFieldsPrinterlabel.labelserialfield',
  },
];

const BY_ID = new Map(OPTIONS.map((o) => [String(o.id), o]));

/** Looks an option up by the id as the request spelled it (digits only, like ctype_digit). */
export function findOption(id: string): SearchOption | undefined {
  return /^[0-9]+$/.test(id) ? BY_ID.get(String(Number(id))) : undefined;
}

export function allOptions(): readonly SearchOption[] {
  return OPTIONS;
}

/** The answer of listSearchOptions/:itemtype, trimmed to what clients read. */
export function listSearchOptions(itemtype: string): Record<string, unknown> {
  const table = tableFor(itemtype);
  const result: Record<string, unknown> = { common: 'Characteristics' };
  for (const o of OPTIONS) {
    const isText = o.datatype === 'string' || o.datatype === 'text';
    result[String(o.id)] = {
      name: o.name,
      table: o.table === 'printers' ? table : o.table,
      field: o.field,
      datatype: o.datatype,
      nosearch: false,
      nodisplay: false,
      available_searchtypes: isText ? ['contains', 'notcontains'] : ['contains', 'notcontains', 'equals', 'notequals'],
      uid: `${itemtype}.${o.uid}`,
    };
  }
  return result;
}

export function tableFor(itemtype: string): string {
  return `glpi_${itemtype.toLowerCase()}s`;
}
