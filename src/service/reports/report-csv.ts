/**
 * CSV (RFC 4180): a header line, CRLF line ends, fields quoted when they contain a comma, a quote,
 * CR or LF (quotes doubled). Null and undefined are empty fields; numbers are written as is.
 * A field starting with =, +, - or @ that is not a number is prefixed with a quote character so
 * spreadsheets do not run it as a formula (CSV injection).
 */
export function toCsv(columns: readonly string[], rows: readonly Record<string, unknown>[]): string {
  const lines = [columns.map(field).join(',')];
  for (const row of rows) lines.push(columns.map((c) => field(row[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

function field(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  let text = value instanceof Date ? value.toISOString() : typeof value === 'object' ? JSON.stringify(value) : String(value as string | boolean);
  if (/^[=+\-@]/.test(text) && Number.isNaN(Number(text))) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
