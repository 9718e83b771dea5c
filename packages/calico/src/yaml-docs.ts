// Multi-document YAML/JSON parsing that keeps source positions, so each error can name file:line:col.
import { Document, isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, type Node } from 'yaml';
import type { FieldPath } from './errors';

export interface ParsedDocument {
  /** The document as plain JSON-compatible data (undefined for an empty document). */
  value: unknown;
  /** Position (1-based) of the node at `path`, or of its deepest existing ancestor. */
  locate(path: FieldPath, atKey?: boolean): { line: number; col: number };
  /** YAML syntax errors of this document. */
  syntaxErrors: { line: number; col: number; message: string }[];
}

export function parseDocuments(text: string): ParsedDocument[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [];
  const pos = (offset: number) => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, col: p.col };
  };
  return list.map((doc) => describeDocument(doc, pos));
}

function describeDocument(doc: Document.Parsed, pos: (offset: number) => { line: number; col: number }): ParsedDocument {
  const syntaxErrors = doc.errors.map((e) => ({ ...pos(e.pos[0]), message: cleanYamlMessage(e.message) }));
  let value: unknown;
  if (syntaxErrors.length === 0) {
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      syntaxErrors.push({ ...pos(doc.range[0]), message: (err as Error).message });
    }
  }
  const docStart = (): number => {
    const c = doc.contents as Node | null;
    return c?.range ? c.range[0] : doc.range[0];
  };
  return {
    value,
    syntaxErrors,
    locate(path, atKey) {
      let node: unknown = doc.contents;
      let offset = docStart();
      for (let i = 0; i < path.length; i++) {
        const seg = path[i];
        const last = i === path.length - 1;
        if (isMap(node)) {
          const pair = node.items.find((p) => isPair(p) && keyOf(p.key) === String(seg));
          if (!pair) break;
          const target = last && atKey ? pair.key : pair.value ?? pair.key;
          if (!target || !(target as Node).range) break;
          node = target;
          offset = (target as Node).range![0];
          if (last && atKey) break;
        } else if (isSeq(node) && typeof seg === 'number') {
          const item = node.items[seg] as Node | undefined;
          if (!item || !item.range) break;
          node = item;
          offset = item.range[0];
        } else {
          break;
        }
      }
      return pos(offset);
    },
  };
}

function keyOf(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return undefined;
}

function cleanYamlMessage(msg: string): string {
  // yaml's messages end with " at line L, column C" plus a code excerpt; we print our own position.
  return msg.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}
