/**
 * Compiles replacement rules (source text → replacement text) into sentencepiece's precompiled
 * character-map format (see charsmap.ts), so generated vocabularies normalise through the same code as
 * real ones. A plain double-array builder: fine for hundreds of rules, not for full NFKC tables.
 */
export function compileCharsmap(rules: ReadonlyMap<string, string>): Uint8Array {
  const enc = new TextEncoder();
  const { strings, offsets } = replacementBlob(rules, enc);
  const root = trieOf(rules, enc, offsets);
  const units = placeTrie(root);
  const out = new Uint8Array(4 + units.byteLength + strings.byteLength);
  new DataView(out.buffer).setUint32(0, units.byteLength, true);
  out.set(new Uint8Array(units.buffer), 4);
  out.set(strings, 4 + units.byteLength);
  return out;
}

interface TrieNode {
  label: number;
  children: Map<number, TrieNode>;
  value?: number;
  /** Position in the double array, and the base its children sit at (XOR their labels). */
  pos: number;
  base: number;
}

function replacementBlob(rules: ReadonlyMap<string, string>, enc: TextEncoder) {
  const offsets = new Map<string, number>();
  const parts: Uint8Array[] = [];
  let at = 0;
  for (const target of new Set(rules.values())) {
    offsets.set(target, at);
    const bytes = enc.encode(`${target}\0`);
    parts.push(bytes);
    at += bytes.byteLength;
  }
  const strings = new Uint8Array(at);
  let p = 0;
  for (const b of parts) {
    strings.set(b, p);
    p += b.byteLength;
  }
  return { strings, offsets };
}

function trieOf(rules: ReadonlyMap<string, string>, enc: TextEncoder, offsets: Map<string, number>): TrieNode {
  const root: TrieNode = { label: 0, children: new Map(), pos: 0, base: 0 };
  for (const [source, target] of rules) {
    let node = root;
    for (const byte of enc.encode(source)) {
      let next = node.children.get(byte);
      if (!next) {
        next = { label: byte, children: new Map(), pos: 0, base: 0 };
        node.children.set(byte, next);
      }
      node = next;
    }
    node.value = offsets.get(target);
  }
  return root;
}

/**
 * Assigns every node a slot, breadth first. Every node gets a base of its own, even a childless one, so a
 * lookup that walks past a leaf lands on slots whose labels cannot match (darts-clone's invariant).
 */
function placeTrie(root: TrieNode): Uint32Array {
  const used = new Set<number>([0]);
  const bases = new Set<number>();
  const queue = [root];
  const nodes: TrieNode[] = [];
  let next = 1;
  while (queue.length) {
    const node = queue.shift() as TrieNode;
    nodes.push(node);
    const labels = [...node.children.keys(), ...(node.value === undefined ? [] : [0])];
    let base = next;
    while (bases.has(base) || labels.some((l) => used.has(base ^ l))) base++;
    bases.add(base);
    node.base = base;
    for (const l of labels) used.add(base ^ l);
    for (const child of node.children.values()) {
      child.pos = base ^ child.label;
      queue.push(child);
    }
    while (bases.has(next)) next++;
  }
  const units = new Uint32Array(Math.max(...used, ...bases) + 1);
  units[0] = root.base << 10;
  for (const node of nodes.slice(1)) {
    const leaf = node.value === undefined ? 0 : 1 << 8;
    units[node.pos] = (node.label | leaf | ((node.pos ^ node.base) << 10)) >>> 0;
    if (node.value !== undefined) units[node.base] = (0x80000000 | node.value) >>> 0;
  }
  return units;
}
