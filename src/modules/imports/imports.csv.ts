import { pipeline, Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { ImportErrors } from './imports.errors.ts';

/**
 * Reading CSV the way spreadsheets write it: UTF-8 with or without a byte-order mark; comma,
 * semicolon (European Excel), tab or pipe between fields, detected from the first lines; quoted
 * fields may hold delimiters, quotes ("") and line breaks. Everything streams: no step holds more
 * than a chunk of the file.
 */
export const DELIMITERS = [',', ';', '\t', '|'] as const;
export type Delimiter = (typeof DELIMITERS)[number];
export const MAX_COLUMNS = 200;
export const MAX_FIELD_CHARS = 10_000;
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * The delimiter whose count per line, outside quotes, is the same and largest over the first lines;
 * a file of one column has none, and is read with commas.
 */
export function detectDelimiter(head: string): Delimiter {
  const lines = splitLogicalLines(head).slice(0, 20);
  let best: Delimiter = ',';
  let bestScore = 0;
  for (const d of DELIMITERS) {
    const counts = lines.map((l) => countOutsideQuotes(l, d));
    const first = counts[0] ?? 0;
    if (first === 0) continue;
    const consistent = counts.filter((c) => c === first).length;
    const score = consistent * 1000 + first;
    if (score > bestScore) {
      best = d;
      bestScore = score;
    }
  }
  return best;
}

/** Lines, keeping quoted line breaks inside their line; the last, possibly cut, line is dropped. */
function splitLogicalLines(text: string): string[] {
  const lines: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (c === '\n' && !quoted) {
      lines.push(text.slice(start, i).replace(/\r$/, ''));
      start = i + 1;
    }
  }
  if (start < text.length && lines.length === 0) lines.push(text.slice(start));
  return lines.filter((l) => l.trim() !== '');
}

function countOutsideQuotes(line: string, d: string): number {
  let n = 0;
  let quoted = false;
  for (const c of line) {
    if (c === '"') quoted = !quoted;
    else if (c === d && !quoted) n++;
  }
  return n;
}

export interface Utf8Check {
  hasBom: boolean;
}

/**
 * Bytes to text, refusing anything that is not UTF-8 (a UTF-16 export, a Windows-1252 file): the
 * names would otherwise arrive garbled. The BOM, when present, is dropped.
 */
export async function* utf8Text(source: AsyncIterable<Buffer>, check: Utf8Check): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let first = true;
  let offset = 0;
  for await (const raw of source) {
    let piece = raw;
    if (first && piece.length > 0) {
      first = false;
      if (
        piece.length >= 2 &&
        ((piece[0] === 0xff && piece[1] === 0xfe) || (piece[0] === 0xfe && piece[1] === 0xff))
      )
        throw ImportErrors.invalidEncoding('it is UTF-16');
      if (piece.subarray(0, 3).equals(UTF8_BOM)) {
        check.hasBom = true;
        piece = piece.subarray(3);
      }
    }
    try {
      yield decoder.decode(piece, { stream: true });
    } catch {
      throw ImportErrors.invalidEncoding(`an invalid byte sequence after byte ${offset}`);
    }
    offset += raw.length;
  }
  try {
    const rest = decoder.decode();
    if (rest) yield rest;
  } catch {
    throw ImportErrors.invalidEncoding('it ends in the middle of a character');
  }
}

/** The first `minChars` characters of a text stream, and the stream continuing after them. */
export async function peek(
  text: AsyncIterable<string>,
  minChars: number,
): Promise<{ head: string; rest: AsyncIterable<string> }> {
  const it = text[Symbol.asyncIterator]();
  let head = '';
  let done = false;
  while (head.length < minChars) {
    const next = await it.next();
    if (next.done) {
      done = true;
      break;
    }
    head += next.value;
  }
  async function* rest() {
    if (head) yield head;
    if (done) return;
    for (;;) {
      const next = await it.next();
      if (next.done) return;
      yield next.value;
    }
  }
  return { head, rest: rest() };
}

/** Records (arrays of fields) from text; a broken file stops with `import.malformed_csv`. */
export async function* csvRecords(
  text: AsyncIterable<string>,
  delimiter: Delimiter,
): AsyncGenerator<string[]> {
  // pipeline, not pipe: an error of the text source (encoding, size) ends the parser with it
  const parser = pipeline(
    Readable.from(text),
    parse({
      delimiter,
      bom: false,
      relax_column_count: true,
      skip_empty_lines: false,
      max_record_size: MAX_FIELD_CHARS * 10,
    }),
    () => {},
  );
  try {
    for await (const record of parser as AsyncIterable<string[]>) yield record;
  } catch (error) {
    if (error instanceof CsvError) {
      const lines = (error as unknown as { lines?: number }).lines ?? 0;
      throw ImportErrors.malformed(lines, csvReason(error.code));
    }
    throw error;
  }
}

function csvReason(code: string): string {
  switch (code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field is never closed';
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'a quote inside a quoted field must be doubled ("")';
    case 'CSV_MAX_RECORD_SIZE':
      return 'a field is far too long';
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return 'text follows a closing quote';
    default:
      return code.toLowerCase().replace(/^csv_/, '').replace(/_/g, ' ');
  }
}

/** A record with nothing in it: an empty line or a line of delimiters. */
export function isBlank(record: readonly string[]): boolean {
  return record.every((f) => f.trim() === '');
}
