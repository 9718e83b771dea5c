/** The selector syntax tree and its canonical (Calico `String()`) rendering. */

export type SelectorDialect = 'modern' | '2018';

export type ValueOperator = 'eq' | 'ne' | 'contains' | 'startsWith' | 'endsWith';
export type SetOperator = 'in' | 'notIn';

export type SelectorNode =
  | { readonly kind: 'all' }
  | { readonly kind: 'global' }
  | { readonly kind: 'has'; readonly label: string }
  | { readonly kind: ValueOperator; readonly label: string; readonly value: string }
  /** `values` is sorted (code-point order, as Go sorts UTF-8 bytes) and de-duplicated. */
  | { readonly kind: SetOperator; readonly label: string; readonly values: readonly string[] }
  | { readonly kind: 'not'; readonly operand: SelectorNode }
  /** Always two or more operands: a single parenthesised operand is not wrapped. */
  | { readonly kind: 'and' | 'or'; readonly operands: readonly SelectorNode[] };

const VALUE_OPERATOR_TEXT: Record<ValueOperator, string> = {
  eq: ' == ',
  ne: ' != ',
  contains: ' contains ',
  startsWith: ' starts with ',
  endsWith: ' ends with ',
};

/** Calico quotes with `"` unless the value itself contains `"` (values cannot hold both kinds). */
export function quoteValue(value: string): string {
  return value.includes('"') ? `'${value}'` : `"${value}"`;
}

/** Renders a node exactly as libcalico-go's `Selector.String()` does. */
export function renderSelector(node: SelectorNode): string {
  const out: string[] = [];
  appendFragments(node, out);
  return out.join('');
}

function appendFragments(node: SelectorNode, out: string[]): void {
  switch (node.kind) {
    case 'all':
      out.push('all()');
      return;
    case 'global':
      out.push('global()');
      return;
    case 'has':
      out.push('has(', node.label, ')');
      return;
    case 'eq':
    case 'ne':
    case 'contains':
    case 'startsWith':
    case 'endsWith':
      out.push(node.label, VALUE_OPERATOR_TEXT[node.kind], quoteValue(node.value));
      return;
    case 'in':
    case 'notIn':
      out.push(node.label, node.kind === 'in' ? ' in {' : ' not in {', node.values.map(quoteValue).join(', '), '}');
      return;
    case 'not':
      out.push('!');
      appendFragments(node.operand, out);
      return;
    case 'and':
    case 'or': {
      const separator = node.kind === 'and' ? ' && ' : ' || ';
      out.push('(');
      node.operands.forEach((operand, i) => {
        if (i > 0) out.push(separator);
        appendFragments(operand, out);
      });
      out.push(')');
      return;
    }
  }
}

/**
 * Compares by Unicode code point, which is the order Go's sort.Strings gives for the UTF-8 bytes.
 * (Plain JS `<` compares UTF-16 code units and differs for astral vs. U+E000..U+FFFF characters.)
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let ca = a.charCodeAt(i);
    let cb = b.charCodeAt(i);
    if (ca === cb) continue;
    if (ca >= 0xd800) ca = ca <= 0xdfff ? ca + 0x2000 : ca - 0x800;
    if (cb >= 0xd800) cb = cb <= 0xdfff ? cb + 0x2000 : cb - 0x800;
    return ca - cb;
  }
  return a.length - b.length;
}

/** Sorted, de-duplicated copy: the canonical set representation. */
export function canonicalSet(values: readonly string[]): string[] {
  const sorted = values.slice().sort(compareCodePoints);
  let kept = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[kept - 1]) sorted[kept++] = sorted[i];
  sorted.length = kept;
  return sorted;
}

/** Returns a copy of the tree with every label key passed through `rename` (like Calico's PrefixVisitor). */
export function mapNodeLabels(node: SelectorNode, rename: (label: string) => string): SelectorNode {
  switch (node.kind) {
    case 'all':
    case 'global':
      return node;
    case 'has':
      return { kind: 'has', label: rename(node.label) };
    case 'eq':
    case 'ne':
    case 'contains':
    case 'startsWith':
    case 'endsWith':
      return { kind: node.kind, label: rename(node.label), value: node.value };
    case 'in':
    case 'notIn':
      return { kind: node.kind, label: rename(node.label), values: node.values };
    case 'not':
      return { kind: 'not', operand: mapNodeLabels(node.operand, rename) };
    case 'and':
    case 'or':
      return { kind: node.kind, operands: node.operands.map((op) => mapNodeLabels(op, rename)) };
  }
}

/** Depth-first pre-order walk over every node. */
export function walkSelector(node: SelectorNode, visit: (node: SelectorNode) => void): void {
  visit(node);
  if (node.kind === 'not') walkSelector(node.operand, visit);
  else if (node.kind === 'and' || node.kind === 'or') for (const op of node.operands) walkSelector(op, visit);
}

/**
 * Brings a hand-built tree into the shape the parser produces: sets sorted and de-duplicated, a
 * one-operand and/or replaced by its operand, `!!x` collapsed to `x`. Throws on an empty and/or.
 */
export function normalizeSelectorNode(node: SelectorNode): SelectorNode {
  switch (node.kind) {
    case 'in':
    case 'notIn':
      return { kind: node.kind, label: node.label, values: canonicalSet(node.values) };
    case 'not': {
      const operand = normalizeSelectorNode(node.operand);
      return operand.kind === 'not' ? operand.operand : { kind: 'not', operand };
    }
    case 'and':
    case 'or':
      if (node.operands.length === 0) throw new Error(`selector tree: empty "${node.kind}" node`);
      if (node.operands.length === 1) return normalizeSelectorNode(node.operands[0]);
      return { kind: node.kind, operands: node.operands.map(normalizeSelectorNode) };
    default:
      return node;
  }
}
