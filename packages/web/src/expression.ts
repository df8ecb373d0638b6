import jsep from "jsep";
import { abs, add, cos, div, exp, full, greater, less, log, maximum, minimum, mul, neg, pow, relu, sigmoid, sin, softplus, sqrt, sub, tanh, where, type Tensor } from "@tapegrad/core";

// A small language for an activation of your own: one variable (z), numbers, + − * / ^,
// comparisons, c ? a : b, and a few functions. jsep parses the text into a syntax tree
// (nothing is ever evaluated as JavaScript: no eval, no new Function); the tree is checked
// against this grammar, then computed in two ways: with tapegrad's ops on a tensor (so the
// tape differentiates it like any other function), and on a number (for plots and checks).

/** A checked expression in z. */
export type Expr =
  | { kind: "z" }
  | { kind: "number"; value: number }
  | { kind: "negate"; arg: Expr }
  | { kind: "binary"; op: "+" | "-" | "*" | "/" | "^"; left: Expr; right: Expr }
  | { kind: "compare"; op: ">" | "<" | ">=" | "<="; left: Expr; right: Expr }
  | { kind: "choose"; test: Expr; then: Expr; otherwise: Expr }
  | { kind: "call"; name: FunctionName; args: Expr[] };

type Value = Tensor | number;

interface FunctionEntry {
  /** The function of numbers. */
  number: (...args: number[]) => number;
  /** The same with tapegrad's ops (a number in, a number out). */
  tensor: (...args: Value[]) => Value;
}

const unary = (onNumber: (x: number) => number, onTensor: (x: Tensor) => Tensor): FunctionEntry => ({
  number: onNumber,
  tensor: (x) => (typeof x === "number" ? onNumber(x) : onTensor(x)),
});

const logistic = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

/** The functions an expression may call, each with its number and its tensor form. */
export const FUNCTIONS = {
  exp: unary(Math.exp, exp),
  log: unary(Math.log, log),
  sqrt: unary(Math.sqrt, sqrt),
  abs: unary(Math.abs, abs),
  tanh: unary(Math.tanh, tanh),
  sigmoid: unary(logistic, sigmoid),
  sin: unary(Math.sin, sin),
  cos: unary(Math.cos, cos),
  relu: unary((x) => (x > 0 ? x : 0), relu),
  softplus: unary((x) => (x > 20 ? x : Math.log1p(Math.exp(x))), softplus),
  max: { number: Math.max, tensor: (a, b) => (typeof a === "number" && typeof b === "number" ? Math.max(a, b) : maximum(a, b)) },
  min: { number: Math.min, tensor: (a, b) => (typeof a === "number" && typeof b === "number" ? Math.min(a, b) : minimum(a, b)) },
} satisfies Record<string, FunctionEntry>;

/** The name of one of {@link FUNCTIONS}. */
export type FunctionName = keyof typeof FUNCTIONS;

const ARITY: Record<FunctionName, number> = { exp: 1, log: 1, sqrt: 1, abs: 1, tanh: 1, sigmoid: 1, sin: 1, cos: 1, relu: 1, softplus: 1, max: 2, min: 2 };
const CONSTANTS: Record<string, number> = { pi: Math.PI, e: Math.E };

// ^ is the power, binding tighter than * and /, and to the right (2^3^2 = 2^9), as in the notes.
jsep.removeBinaryOp("^");
jsep.addBinaryOp("^", 11, true);

/** An expression that could not be read, and why (with the character where it went wrong, when known). */
export class ExpressionError extends Error {}

/**
 * Reads an expression in z, such as `z / (1 + abs(z))` or `z > 0 ? z : 0.1 * z`.
 * Throws an {@link ExpressionError} that says what is allowed.
 */
export function parseExpression(text: string): Expr {
  if (typeof text !== "string" || text.trim() === "") throw new ExpressionError("the expression is empty; write a function of z, e.g. tanh(z)");
  if (text.length > 400) throw new ExpressionError("the expression is longer than 400 characters");
  let tree: jsep.Expression;
  try {
    tree = jsep(text);
  } catch (error) {
    throw new ExpressionError(`cannot read it: ${(error as Error).message}`);
  }
  return check(tree);
}

function check(node: jsep.Expression): Expr {
  switch (node.type) {
    case "Literal": {
      const value = (node as jsep.Literal).value;
      if (typeof value !== "number") throw new ExpressionError(`${JSON.stringify(value)} is not a number`);
      return { kind: "number", value };
    }
    case "Identifier": {
      const name = (node as jsep.Identifier).name;
      if (name === "z" || name === "x") return { kind: "z" };
      if (Object.hasOwn(CONSTANTS, name)) return { kind: "number", value: CONSTANTS[name] };
      throw new ExpressionError(`unknown name '${name}': the variable is z, the constants pi and e${functionHint(name)}`);
    }
    case "UnaryExpression": {
      const { operator, argument } = node as jsep.UnaryExpression;
      if (operator === "-") return { kind: "negate", arg: check(argument) };
      if (operator === "+") return check(argument);
      throw new ExpressionError(`the operator '${operator}' is not allowed; use + − * / ^, comparisons and c ? a : b`);
    }
    case "BinaryExpression": {
      const { operator, left, right } = node as jsep.BinaryExpression;
      const op = operator === "**" ? "^" : operator;
      if (op === "+" || op === "-" || op === "*" || op === "/" || op === "^") return { kind: "binary", op, left: check(left), right: check(right) };
      if (op === ">" || op === "<" || op === ">=" || op === "<=") return { kind: "compare", op, left: check(left), right: check(right) };
      throw new ExpressionError(`the operator '${operator}' is not allowed; use + − * / ^, comparisons (> < >= <=) and c ? a : b`);
    }
    case "ConditionalExpression": {
      const { test, consequent, alternate } = node as jsep.ConditionalExpression;
      return { kind: "choose", test: check(test), then: check(consequent), otherwise: check(alternate) };
    }
    case "CallExpression": {
      const { callee, arguments: args } = node as jsep.CallExpression;
      const name = callee.type === "Identifier" ? (callee as jsep.Identifier).name : "";
      if (callee.type === "MemberExpression") throw new ExpressionError("properties (a.b) are not allowed; write exp(z), not Math.exp(z)");
      if (!Object.hasOwn(FUNCTIONS, name)) {
        const shown = `'${name || callee.type}'`;
        throw new ExpressionError(`${shown} is not a function here${functionHint(name)}; the functions are ${Object.keys(FUNCTIONS).join(", ")}`);
      }
      const fn = name as FunctionName;
      if (args.length !== ARITY[fn]) throw new ExpressionError(`${fn} takes ${ARITY[fn]} argument${ARITY[fn] === 1 ? "" : "s"}, got ${args.length}`);
      return { kind: "call", name: fn, args: args.map(check) };
    }
    case "MemberExpression":
      throw new ExpressionError("properties (a.b) are not allowed; write exp(z), not Math.exp(z)");
    default:
      throw new ExpressionError(`a ${node.type} is not allowed; write a function of z with numbers, + − * / ^ and ${Object.keys(FUNCTIONS).join(", ")}`);
  }
}

function functionHint(name: string): string {
  const lower = name.toLowerCase();
  return Object.hasOwn(FUNCTIONS, lower) ? ` (did you mean ${lower}(z)?)` : "";
}

/** Whether the expression depends on z. */
export function usesZ(expr: Expr): boolean {
  switch (expr.kind) {
    case "z":
      return true;
    case "number":
      return false;
    case "negate":
      return usesZ(expr.arg);
    case "binary":
    case "compare":
      return usesZ(expr.left) || usesZ(expr.right);
    case "choose":
      return usesZ(expr.test) || usesZ(expr.then) || usesZ(expr.otherwise);
    case "call":
      return expr.args.some(usesZ);
  }
}

/** The expression as a function of a number. */
export function numberFunction(expr: Expr): (z: number) => number {
  const evaluate = (e: Expr, z: number): number => {
    switch (e.kind) {
      case "z":
        return z;
      case "number":
        return e.value;
      case "negate":
        return -evaluate(e.arg, z);
      case "binary": {
        const a = evaluate(e.left, z);
        const b = evaluate(e.right, z);
        return e.op === "+" ? a + b : e.op === "-" ? a - b : e.op === "*" ? a * b : e.op === "/" ? a / b : a ** b;
      }
      case "compare": {
        const a = evaluate(e.left, z);
        const b = evaluate(e.right, z);
        return (e.op === ">" ? a > b : e.op === "<" ? a < b : e.op === ">=" ? a >= b : a <= b) ? 1 : 0;
      }
      case "choose":
        return evaluate(e.test, z) !== 0 ? evaluate(e.then, z) : evaluate(e.otherwise, z);
      case "call":
        return (FUNCTIONS[e.name].number as (...args: number[]) => number)(...e.args.map((arg) => evaluate(arg, z)));
    }
  };
  return (z) => evaluate(expr, z);
}

/**
 * The expression as a function of a tensor, element-wise, made of tapegrad's ops (so the
 * tape records and differentiates it). The result has z's shape, also where the expression
 * is a constant. A power's exponent must not depend on z (write exp(z·log(a)) for aᶻ).
 */
export function tensorFunction(expr: Expr): (z: Tensor) => Tensor {
  const evaluate = (e: Expr, z: Tensor): Value => {
    switch (e.kind) {
      case "z":
        return z;
      case "number":
        return e.value;
      case "negate": {
        const a = evaluate(e.arg, z);
        return typeof a === "number" ? -a : neg(a);
      }
      case "binary": {
        const a = evaluate(e.left, z);
        const b = evaluate(e.right, z);
        if (typeof a === "number" && typeof b === "number") return numberFunction(e)(0);
        if (e.op === "^") {
          if (typeof b !== "number") throw new ExpressionError("the exponent of ^ depends on z; write exp(b·log(a)) for a power with a varying exponent");
          return pow(a as Tensor, b);
        }
        return e.op === "+" ? add(a, b) : e.op === "-" ? sub(a, b) : e.op === "*" ? mul(a, b) : div(a, b);
      }
      case "compare": {
        const a = evaluate(e.left, z);
        const b = evaluate(e.right, z);
        if (typeof a === "number" && typeof b === "number") return numberFunction(e)(0);
        if (e.op === ">") return greater(a, b);
        if (e.op === "<") return less(a, b);
        return sub(1, e.op === ">=" ? less(a, b) : greater(a, b));
      }
      case "choose": {
        const test = evaluate(e.test, z);
        if (typeof test === "number") return test !== 0 ? evaluate(e.then, z) : evaluate(e.otherwise, z);
        const a = evaluate(e.then, z);
        const b = evaluate(e.otherwise, z);
        return where(test, a, b);
      }
      case "call":
        return (FUNCTIONS[e.name].tensor as (...args: Value[]) => Value)(...e.args.map((arg) => evaluate(arg, z)));
    }
  };
  return (z) => {
    const value = evaluate(expr, z);
    if (typeof value === "number") return full(z.shape, value, { dtype: z.dtype === "float32" ? "float32" : "float64" });
    // where() broadcasts its branches; a branch that does not use z leaves a smaller shape.
    return value.shape.length === z.shape.length && value.shape.every((n, i) => n === z.shape[i]) ? value : add(value, mul(z, 0));
  };
}

const PRECEDENCE: Record<Expr["kind"], number> = { choose: 0, compare: 1, binary: 2, negate: 4, call: 6, z: 6, number: 6 };
const BINARY_PRECEDENCE = { "+": 2, "-": 2, "*": 3, "/": 3, "^": 5 } as const;

/** The expression written back as the page reads it, with the parentheses that matter: `-z^2` shows as (−z)^2. */
export function formatExpression(expr: Expr): string {
  const level = (e: Expr) => (e.kind === "binary" ? BINARY_PRECEDENCE[e.op] : PRECEDENCE[e.kind]);
  const wrap = (e: Expr, min: number) => (level(e) < min ? `(${formatExpression(e)})` : formatExpression(e));
  switch (expr.kind) {
    case "z":
      return "z";
    case "number":
      return expr.value === Math.PI ? "π" : expr.value === Math.E ? "e" : String(expr.value).replace("-", "−");
    case "negate":
      return `−${wrap(expr.arg, 5)}`;
    case "binary": {
      const p = BINARY_PRECEDENCE[expr.op];
      const symbol = expr.op === "-" ? "−" : expr.op === "*" ? "·" : expr.op;
      const spaced = expr.op === "^" || expr.op === "*" || expr.op === "/" ? symbol : ` ${symbol} `;
      // Left-associative: the right side needs brackets at equal precedence; ^ the other way round.
      const [leftMin, rightMin] = expr.op === "^" ? [p + 1, p] : [p, p + 1];
      return `${wrap(expr.left, leftMin)}${spaced}${wrap(expr.right, rightMin)}`;
    }
    case "compare":
      return `${wrap(expr.left, 2)} ${expr.op.replace(">=", "≥").replace("<=", "≤")} ${wrap(expr.right, 2)}`;
    case "choose":
      return `${wrap(expr.test, 1)} ? ${wrap(expr.then, 1)} : ${wrap(expr.otherwise, 0)}`;
    case "call":
      return `${expr.name}(${expr.args.map(formatExpression).join(", ")})`;
  }
}

