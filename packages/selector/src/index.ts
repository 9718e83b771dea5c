export { Selector, parseSelector, tryParseSelector, selectorFromAst } from './selector';
export type { ParseOptions } from './selector';
export { SelectorParseError } from './errors';
export type { SelectorNode, SelectorDialect, ValueOperator, SetOperator } from './ast';
export { renderSelector, quoteValue, walkSelector, mapNodeLabels, normalizeSelectorNode, compareCodePoints } from './ast';
export type { Labels } from './compile';
export { MAX_LABEL_LENGTH } from './lexer';
