import { add, div, elu, erf, exp, gelu, leakyRelu, mul, onesLike, relu, sigmoid, silu, softmax, softplus, square, step, sub, tanh, type Tensor } from "@tapegrad/core";
import { featureAxis, type Convention } from "./convention";

/**
 * The activations a layer can name. `softmax` acts over the class axis of the convention;
 * `leakyRelu` has slope 0.01 and `elu` α = 1 (PyTorch's defaults), `gelu` is the exact
 * (erf) form.
 */
export type ActivationName = "sigmoid" | "tanh" | "relu" | "leakyRelu" | "elu" | "gelu" | "softplus" | "silu" | "softmax" | "identity";

/**
 * How a model records an activation that is a function of your own: `custom:` and the
 * function's name. A file cannot rebuild it: given back as an activation, it is refused with
 * that advice (build the model in code with the function, and load the weights into it).
 */
export type CustomActivationName = `custom:${string}`;

/**
 * An activation: a name, or any function of a tensor (custom ops included). A
 * {@link CustomActivationName} read back from a file is accepted by the type and refused
 * when the layer is built.
 */
export type Activation = ActivationName | CustomActivationName | ((z: Tensor) => Tensor);

/** One entry of {@link ACTIVATIONS}: an activation g, its derivative g′, and both as formulas. */
export interface ActivationDefinition {
  /** The activation's name, its key in the table. */
  readonly name: ActivationName;
  /** A = g(Z), as a formula. */
  readonly formula: string;
  /** g′(Z), as a formula (for softmax, its Jacobian). */
  readonly derivativeFormula: string;
  /** A = g(Z); `classAxis` is the axis softmax normalises over (the others ignore it). */
  activate(z: Tensor, classAxis: number): Tensor;
  /**
   * g′(Z) element by element, from Z and A = g(Z) (written with A where the notes do). Absent
   * for softmax, whose derivative couples the classes (a Jacobian per example).
   */
  gPrime?(z: Tensor, a: Tensor): Tensor;
}

const LEAKY_SLOPE = 0.01;
const INV_SQRT_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/**
 * The table of activations: each one's function and derivative, defined once and read by
 * dense layers, `mlp`, the hand-derived backprop and the CLI.
 *
 * | name | g(z) | g′(z) |
 * |---|---|---|
 * | sigmoid | σ(z) = 1/(1 + e⁻ᶻ) | a(1 − a) |
 * | tanh | tanh z | 1 − a² |
 * | relu | max(z, 0) | 1 for z > 0, else 0 |
 * | leakyRelu | z for z > 0, else 0.01z | 1 for z > 0, else 0.01 |
 * | elu | z for z > 0, else eᶻ − 1 | 1 for z > 0, else a + 1 |
 * | gelu | z·Φ(z) = ½z(1 + erf(z/√2)) | Φ(z) + z·φ(z) |
 * | softplus | ln(1 + eᶻ) | σ(z) |
 * | silu | z·σ(z) | σ(z)(1 + z(1 − σ(z))) |
 * | softmax | e^zᵢ / Σⱼ e^zⱼ over the class axis | aᵢ(δᵢⱼ − aⱼ) (a Jacobian) |
 * | identity | z | 1 |
 *
 * @example `ACTIVATIONS.tanh.gPrime!(z, tanh(z)) // 1 − tanh²(z)`
 */
export const ACTIVATIONS: Readonly<Record<ActivationName, ActivationDefinition>> = frozenTable<ActivationName, ActivationDefinition>({
  sigmoid: {
    name: "sigmoid",
    formula: "σ(z) = 1/(1 + e⁻ᶻ)",
    derivativeFormula: "σ′ = a(1 − a)",
    activate: (z) => sigmoid(z),
    gPrime: (_z, a) => mul(a, sub(1, a)),
  },
  tanh: {
    name: "tanh",
    formula: "tanh z",
    derivativeFormula: "tanh′ = 1 − a²",
    activate: (z) => tanh(z),
    gPrime: (_z, a) => sub(1, square(a)),
  },
  relu: {
    name: "relu",
    formula: "max(z, 0)",
    derivativeFormula: "relu′ = 1 for z > 0, else 0",
    activate: (z) => relu(z),
    gPrime: (z) => step(z),
  },
  leakyRelu: {
    name: "leakyRelu",
    formula: "z for z > 0, else 0.01·z",
    derivativeFormula: "leakyRelu′ = 1 for z > 0, else 0.01",
    activate: (z) => leakyRelu(z, LEAKY_SLOPE),
    gPrime: (z) => {
      const s = step(z);
      return add(s, mul(sub(1, s), LEAKY_SLOPE));
    },
  },
  elu: {
    name: "elu",
    formula: "z for z > 0, else eᶻ − 1",
    derivativeFormula: "elu′ = 1 for z > 0, else a + 1",
    activate: (z) => elu(z, 1),
    gPrime: (z, a) => {
      const s = step(z);
      return add(s, mul(sub(1, s), add(a, 1)));
    },
  },
  gelu: {
    name: "gelu",
    formula: "z·Φ(z) = ½z·(1 + erf(z/√2))",
    derivativeFormula: "gelu′ = Φ(z) + z·φ(z), φ(z) = e^(−z²/2)/√(2π)",
    activate: (z) => gelu(z),
    gPrime: (z) => add(mul(add(erf(mul(z, INV_SQRT_2)), 1), 0.5), mul(z, mul(exp(div(square(z), -2)), INV_SQRT_2PI))),
  },
  softplus: {
    name: "softplus",
    formula: "ln(1 + eᶻ)",
    derivativeFormula: "softplus′ = σ(z)",
    activate: (z) => softplus(z),
    gPrime: (z) => sigmoid(z),
  },
  silu: {
    name: "silu",
    formula: "z·σ(z)",
    derivativeFormula: "silu′ = σ(z)·(1 + z·(1 − σ(z)))",
    activate: (z) => silu(z),
    gPrime: (z) => {
      const s = sigmoid(z);
      return mul(s, add(mul(z, sub(1, s)), 1));
    },
  },
  softmax: {
    name: "softmax",
    formula: "e^zᵢ / Σⱼ e^zⱼ over the class axis",
    derivativeFormula: "∂aᵢ/∂zⱼ = aᵢ(δᵢⱼ − aⱼ): a Jacobian per example, not element-wise",
    activate: (z, classAxis) => softmax(z, classAxis),
  },
  identity: {
    name: "identity",
    formula: "z",
    derivativeFormula: "identity′ = 1",
    activate: (z) => z,
    gPrime: (z) => onesLike(z),
  },
});

/**
 * The activation names, in the table's order.
 * @example `ACTIVATION_NAMES.includes("tanh") // true`
 */
export const ACTIVATION_NAMES: readonly ActivationName[] = Object.freeze(Object.keys(ACTIVATIONS) as ActivationName[]);

/**
 * The table entry of an activation name, looked up as an own property: a name that is not
 * in the table (`"toString"`, `"constructor"`, a typo) is an error naming `where` and listing
 * the names there are.
 * @example `activationNamed("relu", "mlp").derivativeFormula // "relu′ = 1 for z > 0, else 0"`
 */
export function activationNamed(name: unknown, where: string): ActivationDefinition {
  if (typeof name === "string" && Object.hasOwn(ACTIVATIONS, name)) return ACTIVATIONS[name as ActivationName];
  if (typeof name === "string" && name.startsWith("custom:")) {
    throw new Error(
      `${where}: the activation '${name}' was a function of your own, which its name cannot rebuild; ` +
        `build the model in code with that function and load the weights into it`,
    );
  }
  throw new Error(`${where}: unknown activation ${describe(name)}; use one of ${ACTIVATION_NAMES.join(", ")}, or a function of a tensor`);
}

/**
 * The function an activation stands for, in a convention (which fixes softmax's axis).
 * @example `activationFunction("softmax", "column")(Z) // softmax over axis 0`
 */
export function activationFunction(activation: Activation, convention: Convention, where = "activation"): (z: Tensor) => Tensor {
  if (typeof activation === "function") return activation;
  const definition = activationNamed(activation, where);
  const classAxis = featureAxis(convention);
  return (z) => definition.activate(z, classAxis);
}

/**
 * How an activation is recorded in a model's description: its name, or `custom:<function name>`.
 * @example `activationLabel(myGelu) // "custom:myGelu"`
 */
export function activationLabel(activation: Activation): ActivationName | CustomActivationName {
  return typeof activation === "function" ? `custom:${activation.name || "anonymous"}` : activation;
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === undefined) return "undefined";
  if (typeof value === "function") return "a function";
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** The table and each of its entries, frozen: no code can change what a name means. */
function frozenTable<K extends string, V extends object>(table: Record<K, V>): Readonly<Record<K, Readonly<V>>> {
  for (const entry of Object.values<V>(table)) Object.freeze(entry);
  return Object.freeze(table);
}
