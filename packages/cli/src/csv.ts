import { tensor, type Tensor } from "@tapegrad/core";
import { InputError } from "./errors";

/** A CSV file: its header and its rows of fields, with each row's line number. */
export interface CsvTable {
  /** The column names, from the first line. */
  header: string[];
  /** The data rows. */
  rows: CsvRow[];
}

/** One data row of a CSV file. */
export interface CsvRow {
  /** The line of the file it is on (1 is the header). */
  line: number;
  /** Its fields, as text. */
  fields: string[];
}

/**
 * Parses CSV text (commas, optional double quotes with "" for a quote, a header line).
 * Errors name the file and the line.
 * @example `parseCsv("a,b\n1,2\n", "data.csv").rows[0].fields // ["1", "2"]`
 */
export function parseCsv(text: string, file: string): CsvTable {
  const lines = text.split(/\r?\n/);
  const parsed: CsvRow[] = [];
  lines.forEach((raw, index) => {
    if (raw.trim() === "") return;
    parsed.push({ line: index + 1, fields: splitLine(raw, file, index + 1) });
  });
  if (parsed.length === 0) throw new InputError(`${file}: the file is empty`);
  const [head, ...rows] = parsed;
  const header = head.fields.map((name) => name.trim());
  if (rows.length === 0) throw new InputError(`${file}: there are no data rows after the header`);
  for (const row of rows) {
    if (row.fields.length !== header.length) {
      throw new InputError(`${file}, line ${row.line}: ${row.fields.length} fields, but the header has ${header.length}`);
    }
  }
  return { header, rows };
}

function splitLine(line: string, file: string, lineNumber: number): string[] {
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field.trim() === "") quoted = true;
    else if (c === ",") fields.push(field), (field = "");
    else field += c;
  }
  if (quoted) throw new InputError(`${file}, line ${lineNumber}: a quoted field is not closed`);
  fields.push(field);
  return fields;
}

/** Numeric features and class targets, examples as rows. */
export interface CsvDataset {
  /** m × n0 features. */
  inputs: Tensor;
  /** m × 1 (0/1) for two classes, or m × classes one-hot. */
  targets: Tensor;
  /** The feature columns, in order. */
  features: string[];
  /** The classes, in the order of the target columns (for two classes, class[1] is the positive one). */
  classes: string[];
}

/** The most distinct numeric target values taken as classes; more look like a continuous target. */
const MAX_NUMERIC_CLASSES = 20;

/**
 * Turns a parsed CSV into features and targets: every column but `target` must hold
 * numbers; the target's distinct values are the classes, numeric-looking ones compared by
 * value ("1" and "1.0" are one class). A numeric target with more than 20 distinct values,
 * or more than half as many as there are rows, looks continuous and is refused. Errors name
 * the file, line and column.
 * @example `csvDataset(parseCsv(text, "iris.csv"), "species", "iris.csv")`
 */
export function csvDataset(table: CsvTable, target: string, file: string): CsvDataset {
  const targetIndex = table.header.indexOf(target);
  if (targetIndex < 0) throw new InputError(`${file}: no column '${target}'; the columns are ${table.header.map((h) => `'${h}'`).join(", ")}`);
  const features = table.header.filter((_, i) => i !== targetIndex);
  if (features.length === 0) throw new InputError(`${file}: there are no feature columns besides '${target}'`);
  const values = table.rows.map(({ line, fields }) =>
    fields.flatMap((field, i) => {
      if (i === targetIndex) return [];
      const text = field.trim();
      const value = Number(text);
      if (text === "" || !Number.isFinite(value)) {
        throw new InputError(`${file}, line ${line}, column '${table.header[i]}': ${JSON.stringify(field)} is not a number`);
      }
      return [value];
    }),
  );
  const labels = table.rows.map(({ line, fields }) => {
    const label = fields[targetIndex].trim();
    if (label === "") throw new InputError(`${file}, line ${line}, column '${target}': the target is empty`);
    // numeric-looking labels are one class per value: "1", "1.0" and "1e0" are all class "1"
    return isNumber(label) ? String(Number(label)) : label;
  });
  const classes = [...new Set(labels)].sort((a, b) => (isNumber(a) && isNumber(b) ? Number(a) - Number(b) : a.localeCompare(b)));
  if (classes.length < 2) throw new InputError(`${file}: column '${target}' has a single value (${JSON.stringify(classes[0])}); a classifier needs at least two classes`);
  if (classes.every(isNumber) && (classes.length > MAX_NUMERIC_CLASSES || classes.length > labels.length / 2)) {
    throw new InputError(
      `${file}: column '${target}' looks continuous (${classes.length} distinct values in ${labels.length} rows); regression is not supported by tapegrad train yet: ` +
        `pick a column of classes with --target, or bin the values into a few classes first (e.g. low, medium, high)`,
    );
  }
  const targets = classes.length === 2 ? labels.map((l) => [l === classes[1] ? 1 : 0]) : labels.map((l) => classes.map((c) => (c === l ? 1 : 0)));
  return { inputs: tensor(values), targets: tensor(targets), features, classes };
}

function isNumber(text: string): boolean {
  return text !== "" && Number.isFinite(Number(text));
}
