// Activations and their derivatives as the source documents state them (see docs/backprop-by-hand.md), on plain numbers.

export type Activation = "sigmoid" | "tanh" | "relu";

export const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** g(z) for each activation. */
export const activations: Record<Activation, (z: number) => number> = {
  sigmoid,
  tanh: Math.tanh,
  relu: (z) => Math.max(z, 0),
};

/** g′ in the form the notes give: σ′ = σ(1 − σ) and tanh′ = 1 − a² from a = g(z); relu′ is the step, 0 at 0. */
export const derivatives: Record<Activation, (z: number, a: number) => number> = {
  sigmoid: (_z, a) => a * (1 - a),
  tanh: (_z, a) => 1 - a * a,
  relu: (z) => (z > 0 ? 1 : 0),
};
