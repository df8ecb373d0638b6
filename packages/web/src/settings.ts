import type { ActivationName, Convention, OutputKind } from "@tapegrad/nn";

// Everything a learner can set, with its defaults, and how it reads from and writes to the
// page's address (so a set-up can be shared as a link, and automation can open one).

/** The toy data sets. */
export const DATASETS = ["moons", "circles", "xor", "spiral"] as const;
/** One of {@link DATASETS}. */
export type DatasetName = (typeof DATASETS)[number];

/** The hidden activations on offer: the table's element-wise ones, and one of your own. */
export const HIDDEN_ACTIVATIONS: readonly HiddenActivation[] = ["tanh", "relu", "sigmoid", "leakyRelu", "elu", "gelu", "softplus", "silu", "identity", "custom"];
/** One of {@link HIDDEN_ACTIVATIONS}. */
export type HiddenActivation = Exclude<ActivationName, "softmax"> | "custom";

/** The output layers on offer. */
export const OUTPUT_CHOICES: readonly OutputKind[] = ["sigmoid", "softmax", "identity"];

/** The optimisers on offer. */
export const OPTIMIZERS = ["sgd", "momentum", "adam", "rmsprop"] as const;
/** One of {@link OPTIMIZERS}. */
export type OptimizerName = (typeof OPTIMIZERS)[number];

/**
 * The mistakes that can be planted in the hand-derived backward pass: a missing transpose
 * in dA^[l−1] = W^[l]ᵀ·dZ^[l], σ′ replaced by σ in dZ^[l] = dA^[l] ∘ g′(Z^[l]), and a
 * missing 1/m (in dZ^[L] in the column convention, in dW^[l] and db^[l] in the row one).
 */
export const MISTAKES = ["none", "transpose", "derivative", "mean"] as const;
/** One of {@link MISTAKES}. */
export type MistakeName = (typeof MISTAKES)[number];

/** The page's settings. */
export interface PageSettings {
  dataset: DatasetName;
  /** Number of examples. */
  examples: number;
  /** Standard deviation of the data's noise. */
  noise: number;
  /** Classes of the spiral (the other data sets have two). */
  classes: number;
  /** Seed of the data, the initial weights and the mini-batch order. */
  seed: number;
  /** Widths of the hidden layers. */
  hidden: number[];
  activation: HiddenActivation;
  output: OutputKind;
  learningRate: number;
  optimizer: OptimizerName;
  /** Examples per mini-batch (capped at the number of examples). */
  batchSize: number;
  convention: Convention;
  mistake: MistakeName;
  /** The layer whose formula carries the mistake; 0 chooses the deepest one where it can go. */
  mistakeLayer: number;
  /** The custom activation g(z), as an expression in z. */
  customForward: string;
  /** Its derivative g′(z), as you derived it. */
  customDerivative: string;
}

/** The settings a fresh page starts from. */
export const DEFAULT_SETTINGS: Readonly<PageSettings> = Object.freeze({
  dataset: "moons",
  examples: 200,
  noise: 0.1,
  classes: 3,
  seed: 1,
  hidden: [8, 8],
  activation: "tanh",
  output: "sigmoid",
  learningRate: 0.03,
  optimizer: "adam",
  batchSize: 20,
  convention: "column",
  mistake: "none",
  mistakeLayer: 0,
  customForward: "z / (1 + abs(z))",
  customDerivative: "1 / (1 + abs(z))^2",
});

/** Limits that keep the page responsive. */
export const LIMITS = Object.freeze({ examples: [4, 2000], noise: [0, 1], classes: [2, 5], layers: 4, width: [1, 32], batchSize: [1, 2000], steps: 100_000 });

/** Settings read from an address, the problems found on the way, and the automation request. */
export interface ParsedQuery {
  settings: PageSettings;
  /** Parameters that were ignored, with why. */
  problems: string[];
  /** `steps=N`: train N steps and report (undefined when absent). */
  steps?: number;
}

/**
 * Reads settings from the query string, e.g. `?dataset=circles&hidden=8,8&convention=row&steps=200&seed=3`.
 * `sizes=2,8,8,1` (nn's full list of widths) is accepted in place of `hidden`. An invalid
 * value keeps its default and is reported in `problems`.
 */
export function parseQuery(query: string | URLSearchParams): ParsedQuery {
  const params = typeof query === "string" ? new URLSearchParams(query) : query;
  const settings: PageSettings = { ...DEFAULT_SETTINGS, hidden: [...DEFAULT_SETTINGS.hidden] };
  const problems: string[] = [];
  const read = <K extends keyof PageSettings>(key: K, names: string[], parse: (text: string) => Parsed<PageSettings[K]>) => {
    const name = names.find((candidate) => params.has(candidate));
    if (name === undefined) return;
    const parsed = parse(params.get(name)!);
    if ("problem" in parsed) problems.push(`${name}: ${parsed.problem}`);
    else settings[key] = parsed.value;
  };
  read("dataset", ["dataset"], (text) => choice(text, DATASETS));
  read("examples", ["examples", "size"], (text) => integer(text, LIMITS.examples));
  read("noise", ["noise"], (text) => number(text, LIMITS.noise));
  read("classes", ["classes"], (text) => integer(text, LIMITS.classes));
  read("seed", ["seed"], (text) => integer(text, [0, 2 ** 31 - 1]));
  read("hidden", ["hidden"], (text) => widths(text));
  read("activation", ["activation"], (text) => choice(text, HIDDEN_ACTIVATIONS));
  read("output", ["output"], (text) => choice(text, OUTPUT_CHOICES));
  read("learningRate", ["lr", "learningRate"], (text) => number(text, [1e-6, 10]));
  read("optimizer", ["optimizer"], (text) => choice(text, OPTIMIZERS));
  read("batchSize", ["batch", "batchSize"], (text) => integer(text, LIMITS.batchSize));
  read("convention", ["convention"], (text) => choice(text, ["row", "column"] as const));
  read("mistake", ["mistake"], (text) => choice(text, MISTAKES));
  read("mistakeLayer", ["mistakeLayer", "layer"], (text) => integer(text, [0, LIMITS.layers + 1]));
  read("customForward", ["g", "forward"], (text) => ({ value: text }));
  read("customDerivative", ["dg", "derivative"], (text) => ({ value: text }));
  const sizes = params.get("sizes");
  if (sizes !== null && params.get("hidden") === null) {
    const all = sizes.split(",").map((part) => Number(part.trim()));
    const parsed = widths(all.slice(1, -1).join(","));
    if (all.length < 2 || all[0] !== 2) problems.push(`sizes: the first width is the input's, 2 (x and y), got ${JSON.stringify(sizes)}`);
    else if ("problem" in parsed) problems.push(`sizes: ${parsed.problem}`);
    else settings.hidden = parsed.value;
  }
  const result: ParsedQuery = { settings, problems };
  const steps = params.get("steps");
  if (steps !== null) {
    const parsed = integer(steps, [0, LIMITS.steps]);
    if ("problem" in parsed) problems.push(`steps: ${parsed.problem}`);
    else result.steps = parsed.value;
  }
  return result;
}

/** The query string that {@link parseQuery} reads back as `settings` (defaults left out). */
export function toQuery(settings: PageSettings): string {
  const params = new URLSearchParams();
  const names: Partial<Record<keyof PageSettings, string>> = { learningRate: "lr", batchSize: "batch", customForward: "g", customDerivative: "dg" };
  for (const key of Object.keys(DEFAULT_SETTINGS) as (keyof PageSettings)[]) {
    const value = settings[key];
    const text = Array.isArray(value) ? value.join(",") : String(value);
    const fallback = DEFAULT_SETTINGS[key];
    if (text !== (Array.isArray(fallback) ? fallback.join(",") : String(fallback))) params.set(names[key] ?? key, text);
  }
  return params.toString();
}

/** A value read from text, or why it could not be. */
export type Parsed<T> = { value: T } | { problem: string };

function choice<T extends string>(text: string, options: readonly T[]): Parsed<T> {
  return (options as readonly string[]).includes(text) ? { value: text as T } : { problem: `use one of ${options.join(", ")}, got ${JSON.stringify(text)}` };
}

function integer(text: string, [low, high]: readonly number[]): Parsed<number> {
  const value = Number(text);
  return text.trim() !== "" && Number.isInteger(value) && value >= low && value <= high
    ? { value }
    : { problem: `a whole number from ${low} to ${high}, got ${JSON.stringify(text)}` };
}

function number(text: string, [low, high]: readonly number[]): Parsed<number> {
  const value = Number(text);
  return text.trim() !== "" && Number.isFinite(value) && value >= low && value <= high
    ? { value }
    : { problem: `a number from ${low} to ${high}, got ${JSON.stringify(text)}` };
}

/** Hidden widths such as "8,8" (or "" for none): at most four layers of 1 to 32 units. */
export function widths(text: string): Parsed<number[]> {
  if (text.trim() === "") return { value: [] };
  const values = text.split(",").map((part) => Number(part.trim()));
  const [low, high] = LIMITS.width;
  if (values.length > LIMITS.layers || values.some((n) => !Number.isInteger(n) || n < low || n > high)) {
    return { problem: `up to ${LIMITS.layers} hidden widths from ${low} to ${high}, separated by commas, got ${JSON.stringify(text)}` };
  }
  return { value: values };
}
