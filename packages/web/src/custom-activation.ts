import { customVjp, grad, mul, noGrad, sum, tensor, type Tensor } from "@tapegrad/core";
import { gradcheck, type GradcheckResult } from "@tapegrad/core/testing";
import { ExpressionError, formatExpression, numberFunction, parseExpression, tensorFunction, type Expr } from "./expression";

// An activation of your own: g(z) and the derivative g′(z) you worked out, both as
// expressions. The network runs g made of tapegrad's ops, so the tape differentiates it by
// itself; the hand-derived backward pass uses your g′. The check below tells whether your
// g′ is right before you train with it.

/** A custom activation read from its two expressions. */
export interface CustomActivation {
  /** g(z) and g′(z) as read back (the parentheses that matter made visible). */
  readonly forwardText: string;
  readonly derivativeText: string;
  readonly forward: Expr;
  readonly derivative: Expr;
  /** g with tapegrad's ops: what the network runs and the tape differentiates. */
  readonly activate: (z: Tensor) => Tensor;
  /** Your g′ with tapegrad's ops: what the hand-derived backward pass multiplies by. */
  readonly gPrime: (z: Tensor) => Tensor;
  /** g and your g′ on numbers, for plots. */
  readonly g: (z: number) => number;
  readonly gPrimeAt: (z: number) => number;
}

/** The two expressions read, or which one failed and why. */
export type CustomActivationResult = { activation: CustomActivation } | { field: "forward" | "derivative"; problem: string };

/**
 * Reads g(z) and g′(z).
 * @example `readCustomActivation("z / (1 + abs(z))", "1 / (1 + abs(z))^2")`
 */
export function readCustomActivation(forwardText: string, derivativeText: string): CustomActivationResult {
  let forward: Expr;
  let derivative: Expr;
  try {
    forward = parseExpression(forwardText);
  } catch (error) {
    return { field: "forward", problem: messageOf(error) };
  }
  try {
    derivative = parseExpression(derivativeText);
  } catch (error) {
    return { field: "derivative", problem: messageOf(error) };
  }
  const forwardTensor = tensorFunction(forward);
  // Named so that the model's description reads custom:g.
  const activate = { g: (z: Tensor) => forwardTensor(z) }.g;
  return {
    activation: {
      forwardText: formatExpression(forward),
      derivativeText: formatExpression(derivative),
      forward,
      derivative,
      activate,
      gPrime: tensorFunction(derivative),
      g: numberFunction(forward),
      gPrimeAt: numberFunction(derivative),
    },
  };
}

function messageOf(error: unknown): string {
  if (error instanceof ExpressionError) return error.message;
  return error instanceof Error ? error.message : String(error);
}

/** Where {@link checkActivation} looks: 25 points across [−3, 3], offset so that none is a kink at 0. */
export const CHECK_POINTS: readonly number[] = Object.freeze(Array.from({ length: 25 }, (_, k) => -3 + 0.25 * k + 0.0371));

/** What {@link checkActivation} found. */
export interface ActivationCheck {
  /** Whether your g′ passes the gradient check and matches the tape's. */
  ok: boolean;
  /**
   * The gradient check: an op whose forward is g and whose vjp is g·(your g′), checked by
   * tapegrad's gradcheck against central finite differences of g.
   */
  gradcheck?: GradcheckResult;
  /** max |your g′ − the tape's g′| over the points (the tape differentiates g's ops). */
  maxDifference: number;
  /** The point where they differ most. */
  worst?: { z: number; yours: number; tape: number };
  /** Why the check could not be made (g or g′ not finite somewhere). */
  problem?: string;
}

/**
 * Checks your g′ against g at {@link CHECK_POINTS}: with tapegrad's `gradcheck` (finite
 * differences) and against the tape's own derivative of g.
 * @example `checkActivation(activation).ok // true when g′ is right`
 */
export function checkActivation(activation: CustomActivation): ActivationCheck {
  const points = tensor([...CHECK_POINTS]);
  for (const z of CHECK_POINTS) {
    for (const [name, f] of [["g", activation.g], ["g′", activation.gPrimeAt]] as const) {
      const value = f(z);
      if (!Number.isFinite(value)) return { ok: false, maxDifference: Infinity, problem: `${name}(${z.toFixed(4)}) is ${value}; use a function that is finite on [−3, 3]` };
    }
  }
  const yours = customVjp(
    (z) => activation.activate(z),
    (g, { inputs: [z] }) => [mul(g, activation.gPrime(z))],
    { name: "yourActivation" },
  );
  let check: GradcheckResult;
  try {
    check = gradcheck((z: Tensor) => yours(z), [points]);
  } catch (error) {
    return { ok: false, maxDifference: Infinity, problem: messageOf(error) };
  }
  const tape = grad((z: Tensor) => sum(activation.activate(z)))(points)[0];
  const mine = noGrad(() => activation.gPrime(points));
  let maxDifference = 0;
  let worst: ActivationCheck["worst"];
  CHECK_POINTS.forEach((z, i) => {
    const difference = Math.abs(mine.data[i] - tape.data[i]);
    if (!(difference <= maxDifference)) {
      maxDifference = difference;
      worst = { z, yours: mine.data[i], tape: tape.data[i] };
    }
  });
  const scale = Math.max(1, ...Array.from(tape.data, Math.abs));
  return { ok: check.ok && maxDifference <= 1e-7 * scale, gradcheck: check, maxDifference, worst };
}
