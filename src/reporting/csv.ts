// CSV writing per RFC 4180, made safe to open in a spreadsheet.
//
// Formula injection: a text cell that starts with = + - @ (or a tab or carriage return, which some spreadsheets
// skip before reading a formula) would be run as a formula by Excel, LibreOffice or Google Sheets. Provider names
// come from outside, so such a cell gets a leading single quote ('), which spreadsheets show as text. Numbers we
// computed ourselves are written as they are.
// Quoting: a cell containing a comma, a double quote, CR or LF is wrapped in double quotes, with each double
// quote inside doubled. Records end with CRLF.

export type CsvValue = string | number | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new RangeError("csvCell: not a finite number");
    return String(value);
  }
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvRecord(values: readonly CsvValue[]): string {
  return `${values.map(csvCell).join(",")}\r\n`;
}

export function toCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  return [header, ...rows].map(csvRecord).join("");
}
