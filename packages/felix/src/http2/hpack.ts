// A small HPACK (RFC 7541) decoder and a plain encoder, enough to re-encode request header blocks.
import { HUFFMAN_CODE_LENGTHS, STATIC_TABLE } from './hpack-tables';

export type HeaderField = [name: string, value: string];

export class HpackError extends Error {
  override name = 'HpackError';
}

// ---- Huffman decoding -----------------------------------------------------------------------------

const EOS = 256;

/** Binary trie of the canonical code: node = [child0, child1]; a leaf is encoded as -(symbol + 1). */
const huffmanTrie: number[][] = buildHuffmanTrie();

function buildHuffmanTrie(): number[][] {
  const symbols = HUFFMAN_CODE_LENGTHS.map((length, symbol) => ({ symbol, length })).sort(
    (a, b) => a.length - b.length || a.symbol - b.symbol,
  );
  const trie: number[][] = [[0, 0]];
  let code = 0;
  let previousLength = symbols[0].length;
  for (const { symbol, length } of symbols) {
    code <<= length - previousLength;
    previousLength = length;
    let node = 0;
    for (let bit = length - 1; bit >= 0; bit--) {
      const direction = (code >>> bit) & 1;
      if (bit === 0) {
        trie[node][direction] = -(symbol + 1);
      } else {
        if (trie[node][direction] === 0) {
          trie.push([0, 0]);
          trie[node][direction] = trie.length - 1;
        }
        node = trie[node][direction];
      }
    }
    code++;
  }
  return trie;
}

export function huffmanDecode(bytes: Uint8Array): Buffer {
  const out: number[] = [];
  let node = 0;
  let bitsSinceSymbol = 0;
  let allOnes = true;
  for (const byte of bytes) {
    for (let bit = 7; bit >= 0; bit--) {
      const direction = (byte >> bit) & 1;
      const next = huffmanTrie[node][direction];
      bitsSinceSymbol++;
      allOnes &&= direction === 1;
      if (next < 0) {
        const symbol = -next - 1;
        if (symbol === EOS) throw new HpackError('Huffman string contains EOS');
        out.push(symbol);
        node = 0;
        bitsSinceSymbol = 0;
        allOnes = true;
      } else if (next === 0) {
        throw new HpackError('invalid Huffman code');
      } else {
        node = next;
      }
    }
  }
  if (bitsSinceSymbol > 7 || !allOnes) throw new HpackError('invalid Huffman padding');
  return Buffer.from(out);
}

// ---- Decoder ------------------------------------------------------------------------------------

const ENTRY_OVERHEAD = 32;

/** Decodes the header blocks of one direction of one connection (keeps the dynamic table). */
export class HpackDecoder {
  private dynamic: HeaderField[] = []; // newest first
  private size = 0;

  /** @param maxTableSize the SETTINGS_HEADER_TABLE_SIZE the receiving side advertised (4096 default). */
  constructor(private maxTableSize = 4096) {}

  decode(block: Uint8Array): HeaderField[] {
    const fields: HeaderField[] = [];
    let offset = 0;
    const readInt = (prefixBits: number): number => {
      if (offset >= block.length) throw new HpackError('truncated integer');
      const max = (1 << prefixBits) - 1;
      let value = block[offset++] & max;
      if (value < max) return value;
      let shift = 0;
      let byte: number;
      do {
        if (offset >= block.length) throw new HpackError('truncated integer');
        byte = block[offset++];
        value += (byte & 0x7f) * 2 ** shift;
        shift += 7;
        if (shift > 35) throw new HpackError('integer too large');
      } while (byte & 0x80);
      return value;
    };
    const readString = (): string => {
      if (offset >= block.length) throw new HpackError('truncated string');
      const huffman = (block[offset] & 0x80) !== 0;
      const length = readInt(7);
      if (offset + length > block.length) throw new HpackError('truncated string');
      const raw = block.subarray(offset, offset + length);
      offset += length;
      return (huffman ? huffmanDecode(raw) : Buffer.from(raw)).toString('latin1');
    };

    while (offset < block.length) {
      const first = block[offset];
      if (first & 0x80) {
        fields.push(this.lookup(readInt(7)));
      } else if ((first & 0xe0) === 0x20) {
        const newSize = readInt(5);
        if (newSize > this.maxTableSize) throw new HpackError('table size update above the limit');
        this.maxTableSize = newSize;
        this.evict();
      } else {
        const indexing = (first & 0xc0) === 0x40;
        const index = readInt(indexing ? 6 : 4);
        const name = index === 0 ? readString() : this.lookup(index)[0];
        const field: HeaderField = [name, readString()];
        fields.push(field);
        if (indexing) this.add(field);
      }
    }
    return fields;
  }

  private lookup(index: number): HeaderField {
    if (index === 0) throw new HpackError('index 0');
    if (index <= STATIC_TABLE.length) return [...STATIC_TABLE[index - 1]];
    const entry = this.dynamic[index - STATIC_TABLE.length - 1];
    if (!entry) throw new HpackError(`index ${index} out of range`);
    return [...entry];
  }

  private add(field: HeaderField): void {
    const entrySize = field[0].length + field[1].length + ENTRY_OVERHEAD;
    this.dynamic.unshift(field);
    this.size += entrySize;
    this.evict();
  }

  private evict(): void {
    while (this.size > this.maxTableSize && this.dynamic.length > 0) {
      const old = this.dynamic.pop()!;
      this.size -= old[0].length + old[1].length + ENTRY_OVERHEAD;
    }
  }
}

// ---- Encoder ------------------------------------------------------------------------------------

const staticNameIndex = new Map<string, number>();
STATIC_TABLE.forEach(([name], i) => {
  if (!staticNameIndex.has(name)) staticNameIndex.set(name, i + 1);
});

function encodeInt(value: number, prefixBits: number, firstByteFlags: number, out: number[]): void {
  const max = (1 << prefixBits) - 1;
  if (value < max) {
    out.push(firstByteFlags | value);
    return;
  }
  out.push(firstByteFlags | max);
  value -= max;
  while (value >= 0x80) {
    out.push((value % 0x80) | 0x80);
    value = Math.floor(value / 0x80);
  }
  out.push(value);
}

function encodeString(text: string, out: number[]): void {
  const bytes = Buffer.from(text, 'latin1');
  encodeInt(bytes.length, 7, 0, out);
  for (const b of bytes) out.push(b);
}

/**
 * Every field as "literal without indexing" (never touching the peer's dynamic table) with a static
 * name index where one exists and no Huffman coding: always valid, whatever the peer's table holds.
 */
export function encodeHeaderBlock(fields: readonly HeaderField[]): Buffer {
  const out: number[] = [];
  for (const [name, value] of fields) {
    const index = staticNameIndex.get(name);
    if (index !== undefined) {
      encodeInt(index, 4, 0x00, out);
    } else {
      out.push(0x00);
      encodeString(name, out);
    }
    encodeString(value, out);
  }
  return Buffer.from(out);
}
