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

/**
 * Each column's index by name, for lookups by name (a name like `constructor` is a column
 * like any other); a name that appears twice in the header is an {@link InputError}.
 * @example `columnIndex(parseCsv("a,b\n1,2\n", "data.csv"), "data.csv").get("b") // 1`
 */
export function columnIndex(table: CsvTable, file: string): Map<string, number> {
  const index = new Map<string, number>();
  table.header.forEach((name, i) => {
    const earlier = index.get(name);
    if (earlier !== undefined) throw new InputError(`${file}: column '${name}' appears twice in the header (columns ${earlier + 1} and ${i + 1}); name the columns uniquely`);
    index.set(name, i);
  });
  return index;
}

/**
 * The header's names, quoted and listed for an error message: `'x', 'y', 'moon'`.
 * @example `columnList(["x", "y"]) // "'x', 'y'"`
 */
export function columnList(names: readonly string[]): string {
  return names.map((name) => `'${name}'`).join(", ");
}

/**
 * The named columns of every row as numbers (rows × columns), in the order of `columns`;
 * a field that is not a finite number is an {@link InputError} naming the file, the line and
 * the column, followed by `advice(column)` (what the user can do about it).
 * @example `numericColumns(table, ["age", "height"], "people.csv") // [[31, 1.8], [27, 1.6]]`
 */
export function numericColumns(table: CsvTable, columns: readonly string[], file: string, advice: (column: string) => string = () => "the column must hold numbers"): number[][] {
  const index = columnIndex(table, file);
  const positions = columns.map((name) => {
    const i = index.get(name);
    if (i === undefined) throw new InputError(`${file}: no column '${name}'; the columns are ${columnList(table.header)}`);
    return i;
  });
  return table.rows.map(({ line, fields }) =>
    positions.map((i, j) => {
      const text = fields[i].trim();
      const value = Number(text);
      if (text === "" || !Number.isFinite(value)) {
        throw new InputError(`${file}, line ${line}, column '${columns[j]}': ${JSON.stringify(fields[i])} is not a number; ${advice(columns[j])}`);
      }
      return value;
    }),
  );
}

/** What a model trained on a CSV file predicts: a class among a few, or a number. */
export type Task = "classification" | "regression";

/** Options of {@link csvDataset}. */
export interface CsvDatasetOptions {
  /** `'classification'` (the default): the target's values are classes; `'regression'`: the target is a number to predict. */
  task?: Task;
  /** Columns to leave out (identifier and text columns): neither features nor target. Each must be in the header. */
  ignore?: readonly string[];
}

/** Numeric features and class or numeric targets, examples as rows. */
export interface CsvDataset {
  /** What the targets are. */
  task: Task;
  /** m × n0 features. */
  inputs: Tensor;
  /** Classification: m × 1 (0/1) for two classes, or m × classes one-hot. Regression: m × 1, the target's values as they are. */
  targets: Tensor;
  /** The feature columns, in order. */
  features: string[];
  /** The columns left out, in the order given. */
  ignored: string[];
  /** The classes, in the order of the target columns (for two classes, class[1] is the positive one); empty for regression. */
  classes: string[];
}

/** The most distinct numeric target values taken as classes; more look like a continuous target. */
const MAX_NUMERIC_CLASSES = 20;

/**
 * Turns a parsed CSV into features and targets: every column but `target` and the ignored
 * ones must hold numbers. For classification the target's distinct values are the
 * classes, numeric-looking ones compared by value ("1" and "1.0" are one class); a numeric
 * target with more than 20 distinct values, or more than half as many as there are rows,
 * looks continuous and is refused with the advice to pass `--task regression`. For
 * regression the target must hold numbers. Errors name the file, line, column or option.
 * @example `csvDataset(parseCsv(text, "iris.csv"), "species", "iris.csv", { ignore: ["id"] })`
 */
export function csvDataset(table: CsvTable, target: string, file: string, options: CsvDatasetOptions = {}): CsvDataset {
  const { task = "classification", ignore = [] } = options;
  const index = columnIndex(table, file);
  const targetIndex = index.get(target);
  if (targetIndex === undefined) throw new InputError(`${file}: no column '${target}'; the columns are ${columnList(table.header)}`);
  for (const name of ignore) {
    if (!index.has(name)) throw new InputError(`tapegrad train: --ignore names '${name}', which is not a column of ${file}; the columns are ${columnList(table.header)}`);
    if (name === target) throw new InputError(`tapegrad train: --ignore names '${name}', the target column; leave it out of --ignore`);
  }
  const ignored = [...new Set(ignore)];
  const features = table.header.filter((name, i) => i !== targetIndex && !ignored.includes(name));
  if (features.length === 0) {
    throw new InputError(`${file}: there are no feature columns besides the target '${target}'${ignored.length > 0 ? ` and the ignored ${columnList(ignored)}` : ""}`);
  }
  const inputs = tensor(
    numericColumns(table, features, file, (name) => `every feature column must hold numbers: fix the value, or leave the column out with --ignore ${[...ignored, name].join(",")}`),
  );
  if (task === "regression") {
    const values = table.rows.map(({ line, fields }) => {
      const text = fields[targetIndex].trim();
      const value = Number(text);
      if (text === "" || !Number.isFinite(value)) {
        throw new InputError(`${file}, line ${line}, column '${target}': ${JSON.stringify(fields[targetIndex])} is not a number; a regression target must hold numbers`);
      }
      return [value];
    });
    return { task, inputs, targets: tensor(values), features, ignored, classes: [] };
  }
  const labels = table.rows.map(({ line, fields }) => {
    const label = classLabel(fields[targetIndex]);
    if (label === "") throw new InputError(`${file}, line ${line}, column '${target}': the target is empty`);
    return label;
  });
  const classes = [...new Set(labels)].sort((a, b) => (isNumber(a) && isNumber(b) ? Number(a) - Number(b) : a.localeCompare(b)));
  if (classes.length < 2) throw new InputError(`${file}: column '${target}' has a single value (${JSON.stringify(classes[0])}); a classifier needs at least two classes`);
  if (classes.every(isNumber) && (classes.length > MAX_NUMERIC_CLASSES || classes.length > labels.length / 2)) {
    throw new InputError(
      `${file}: column '${target}' looks continuous (${classes.length} distinct values in ${labels.length} rows): to predict its value, pass --task regression; ` +
        `to classify, pick a column of classes with --target, or bin the values into a few classes first (e.g. low, medium, high)`,
    );
  }
  const targets = classes.length === 2 ? labels.map((l) => [l === classes[1] ? 1 : 0]) : labels.map((l) => classes.map((c) => (c === l ? 1 : 0)));
  return { task, inputs, targets: tensor(targets), features, ignored, classes };
}

/**
 * A target field as a class name: trimmed, and a numeric-looking one written as its value,
 * so that "1", "1.0" and "1e0" are all class "1".
 * @example `classLabel(" 1.0 ") // "1"`
 */
export function classLabel(field: string): string {
  const label = field.trim();
  return isNumber(label) ? String(Number(label)) : label;
}

function isNumber(text: string): boolean {
  return text !== "" && Number.isFinite(Number(text));
}

/**
 * CSV text from a header and rows: a field is quoted when it holds a comma, a quote, a line
 * break or leading or trailing spaces (a quote doubled inside), so that {@link parseCsv}
 * reads back the same fields.
 * @example `formatCsv(["name", "p"], [["a, b", "0.5"]]) // 'name,p\n"a, b",0.5\n'`
 */
export function formatCsv(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const field = (text: string) => (/[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
  return [header, ...rows].map((row) => row.map(field).join(",")).join("\n") + "\n";
}
