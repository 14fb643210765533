/**
 * RFC 4180 CSV, the small part the simulator needs: awkward serials (quotes, commas, leading
 * spaces) must survive a round trip through a device list file.
 */

/** Quotes a field when it holds a quote, a comma, a line break or surrounding spaces. */
export function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function csvLine(values: readonly string[]): string {
  return values.map(csvField).join(',');
}

/** Parses CSV text into rows of fields; quoted fields may contain commas, quotes and newlines. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let fieldStarted = false;
  const input = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < input.length; i++) {
    const char = input[i];
    if (quoted) {
      if (char === '"' && input[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') {
        quoted = false;
      } else {
        field += char;
      }
    } else if (char === '"' && !fieldStarted) {
      quoted = true;
      fieldStarted = true;
    } else if (char === ',') {
      row.push(field);
      field = '';
      fieldStarted = false;
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && input[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      fieldStarted = false;
    } else {
      field += char;
      fieldStarted = true;
    }
  }
  if (fieldStarted || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => !(r.length === 1 && r[0] === ''));
}

/** The device list of a generated inventory, as a CSV that `npm run devices -- import` reads. */
export function devicesCsv(
  devices: readonly { serial: string; name: string; model: string; location: string; organisation: string }[],
): string {
  const lines = [csvLine(['serial', 'name', 'model', 'location', 'organisation', 'active'])];
  for (const d of devices) lines.push(csvLine([d.serial, d.name, d.model, d.location, d.organisation, 'true']));
  return `${lines.join('\n')}\n`;
}
