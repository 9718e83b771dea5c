/**
 * Turns a syntax tree into nested closures once, so evaluation is a few property reads and compares
 * with no allocation. Labels are looked up as own string values: a key such as `constructor` that only
 * exists on Object.prototype reads as a non-string and therefore counts as absent.
 */
import { SelectorNode } from './ast';

export type Labels = Readonly<Record<string, string>>;
export type Matcher = (labels: Labels) => boolean;

const matchAlways: Matcher = () => true;
const matchNever: Matcher = () => false;

/** Sets at most this big are checked with chained compares, which beats Set#has for tiny sets. */
const SMALL_SET = 4;

export function compileSelector(node: SelectorNode): Matcher {
  switch (node.kind) {
    case 'all':
    case 'global':
      return matchAlways;
    case 'has': {
      const key = node.label;
      return (labels) => typeof labels[key] === 'string';
    }
    case 'eq': {
      const key = node.label;
      const value = node.value;
      return (labels) => labels[key] === value;
    }
    case 'ne': {
      const key = node.label;
      const value = node.value;
      // True when absent: undefined (or an inherited non-string) never equals a string.
      return (labels) => labels[key] !== value;
    }
    case 'contains': {
      const key = node.label;
      const value = node.value;
      return (labels) => {
        const actual = labels[key];
        return typeof actual === 'string' && actual.includes(value);
      };
    }
    case 'startsWith': {
      const key = node.label;
      const value = node.value;
      return (labels) => {
        const actual = labels[key];
        return typeof actual === 'string' && actual.startsWith(value);
      };
    }
    case 'endsWith': {
      const key = node.label;
      const value = node.value;
      return (labels) => {
        const actual = labels[key];
        return typeof actual === 'string' && actual.endsWith(value);
      };
    }
    case 'in':
      return compileMembership(node.label, node.values);
    case 'notIn': {
      const member = compileMembership(node.label, node.values);
      return (labels) => !member(labels);
    }
    case 'not': {
      const operand = compileSelector(node.operand);
      return (labels) => !operand(labels);
    }
    case 'and':
      return compileChain(node.operands.map(compileSelector), true);
    case 'or':
      return compileChain(node.operands.map(compileSelector), false);
  }
}

/** Present and one of `values` (an empty set never matches). */
function compileMembership(key: string, values: readonly string[]): Matcher {
  switch (values.length) {
    case 0:
      return matchNever;
    case 1: {
      const [a] = values;
      return (labels) => labels[key] === a;
    }
    case 2: {
      const [a, b] = values;
      return (labels) => {
        const v = labels[key];
        return v === a || v === b;
      };
    }
  }
  if (values.length <= SMALL_SET) {
    const list = values.slice();
    return (labels) => {
      const v = labels[key];
      if (typeof v !== 'string') return false;
      for (let i = 0; i < list.length; i++) if (list[i] === v) return true;
      return false;
    };
  }
  const set = new Set(values);
  return (labels) => {
    const v = labels[key];
    return typeof v === 'string' && set.has(v);
  };
}

/** Short-circuit && (isAnd) or || over the operands. */
function compileChain(ops: Matcher[], isAnd: boolean): Matcher {
  if (ops.length === 2) {
    const [a, b] = ops;
    return isAnd ? (labels) => a(labels) && b(labels) : (labels) => a(labels) || b(labels);
  }
  if (ops.length === 3) {
    const [a, b, c] = ops;
    return isAnd
      ? (labels) => a(labels) && b(labels) && c(labels)
      : (labels) => a(labels) || b(labels) || c(labels);
  }
  return isAnd
    ? (labels) => {
        for (let i = 0; i < ops.length; i++) if (!ops[i](labels)) return false;
        return true;
      }
    : (labels) => {
        for (let i = 0; i < ops.length; i++) if (ops[i](labels)) return true;
        return false;
      };
}
