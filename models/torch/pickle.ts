import { TorchFileError } from './errors.ts';

/**
 * A pickle reader for the protocol-2 opcodes torch.save writes, that runs no code: every GLOBAL is looked
 * up in a caller's whitelist and anything else is refused, naming it. Python values become plain JS values
 * (tuples and lists: arrays; dicts: PyDict; ints beyond 2^53: bigint).
 */

/** An object the whitelist made: a resolved global, a torch tensor or storage, a numpy stub. */
export interface PyObject {
  readonly pyClass: string;
}

export type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PyValue[]
  | Set<PyValue>
  | PyDict
  | PyObject;

/** dict or collections.OrderedDict; `attributes` holds what a BUILD set on it (OrderedDict `_metadata`). */
export class PyDict extends Map<PyValue, PyValue> {
  readonly attributes = new Map<string, PyValue>();

  constructor(readonly ordered = false) {
    super();
  }
}

/** A whitelisted global: a class or function the file may name, and what calling it (REDUCE) makes. */
export class PyGlobal implements PyObject {
  readonly pyClass = 'global';

  constructor(
    readonly module: string,
    readonly name: string,
    readonly call?: (args: PyValue[], where: Where) => PyValue,
  ) {}

  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

/** An object whose state a BUILD opcode sets (numpy arrays and dtypes are kept as such stubs). */
export class PyInstance implements PyObject {
  state: PyValue = null;

  constructor(
    readonly pyClass: string,
    readonly args: PyValue[],
  ) {}
}

/** Position of the opcode being run, for errors. */
export interface Where {
  file: string;
  offset: number;
}

export interface UnpickleOptions {
  /** The file the pickle came from (every error names it). */
  file: string;
  /** Resolves `module`, `name` of a GLOBAL, or undefined to refuse it. */
  findGlobal(module: string, name: string): PyGlobal | undefined;
  /** BINPERSID: turns a persistent id into the object it stands for. */
  persistentLoad(pid: PyValue, where: Where): PyValue;
}

const MARK = Symbol('mark');
type StackItem = PyValue | typeof MARK;

/** Runs a pickle and returns the object it builds. */
export function unpickle(data: Uint8Array, opts: UnpickleOptions): PyValue {
  return new Unpickler(data, opts).run();
}

class Unpickler {
  private pos = 0;
  private opStart = 0;
  private stack: StackItem[] = [];
  private readonly marks: number[] = [];
  private readonly memo = new Map<number, PyValue>();
  private readonly view: DataView;

  constructor(
    private readonly data: Uint8Array,
    private readonly opts: UnpickleOptions,
  ) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  run(): PyValue {
    for (;;) {
      this.opStart = this.pos;
      const op = this.u8();
      if (op === 0x2e) return this.pop(); // STOP
      this.step(op);
    }
  }

  private step(op: number): void {
    switch (op) {
      case 0x80: // PROTO
        if (this.u8() > 2)
          this.fail('bad-pickle', `pickle protocol ${this.data[this.pos - 1]} (this reader takes ≤ 2)`);
        return;
      case 0x28: // MARK
        this.marks.push(this.stack.length);
        this.stack.push(MARK);
        return;
      case 0x30: // POP
        this.pop();
        return;
      case 0x31: // POP_MARK
        this.popMark();
        return;
      case 0x32: // DUP
        this.stack.push(this.top());
        return;
      case 0x4e: // NONE
        return void this.stack.push(null);
      case 0x88: // NEWTRUE
        return void this.stack.push(true);
      case 0x89: // NEWFALSE
        return void this.stack.push(false);
      case 0x4a: // BININT
        return void this.stack.push(this.take(4, (at) => this.view.getInt32(at, true)));
      case 0x4b: // BININT1
        return void this.stack.push(this.u8());
      case 0x4d: // BININT2
        return void this.stack.push(this.take(2, (at) => this.view.getUint16(at, true)));
      case 0x8a: // LONG1
        return void this.stack.push(this.long(this.u8()));
      case 0x8b: // LONG4
        return void this.stack.push(this.long(this.take(4, (at) => this.view.getUint32(at, true))));
      case 0x47: // BINFLOAT (big-endian)
        return void this.stack.push(this.take(8, (at) => this.view.getFloat64(at, false)));
      case 0x58: // BINUNICODE
        return void this.stack.push(this.unicode());
      case 0x29: // EMPTY_TUPLE
      case 0x5d: // EMPTY_LIST
        return void this.stack.push([]);
      case 0x74: // TUPLE
      case 0x6c: // LIST
        return void this.stack.push(this.popMark());
      case 0x85: // TUPLE1
      case 0x86: // TUPLE2
      case 0x87: // TUPLE3
        return void this.stack.push(this.popN(op - 0x84));
      case 0x61: // APPEND
        return this.append([this.pop()]);
      case 0x65: // APPENDS
        return this.append(this.popMark());
      case 0x7d: // EMPTY_DICT
        return void this.stack.push(new PyDict());
      case 0x64: // DICT
        return void this.stack.push(this.setItems(new PyDict(), this.popMark()));
      case 0x73: {
        // SETITEM
        const pair = this.popN(2);
        return void this.setItems(this.top(), pair);
      }
      case 0x75: {
        // SETITEMS
        const items = this.popMark();
        return void this.setItems(this.top(), items);
      }
      case 0x63: // GLOBAL
        return void this.stack.push(this.global());
      case 0x52: // REDUCE
        return void this.stack.push(this.reduce());
      case 0x62: // BUILD
        return this.build();
      case 0x51: // BINPERSID
        return void this.stack.push(this.opts.persistentLoad(this.pop(), this.where()));
      case 0x71: // BINPUT
        return void this.memo.set(this.u8(), this.top());
      case 0x72: // LONG_BINPUT
        return void this.memo.set(this.u32(), this.top());
      case 0x68: // BINGET
        return void this.stack.push(this.get(this.u8()));
      case 0x6a: // LONG_BINGET
        return void this.stack.push(this.get(this.u32()));
      default:
        this.fail(
          'bad-opcode',
          `unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')} at byte ${this.opStart} (this reader takes the protocol-2 subset torch.save writes)`,
        );
    }
  }

  private global(): PyValue {
    const module = this.line();
    const name = this.line();
    const found = this.opts.findGlobal(module, name);
    if (!found) {
      throw new TorchFileError(
        'unknown-global',
        this.opts.file,
        `${module}.${name}`,
        `refuses the pickle global ${module}.${name} (at byte ${this.opStart}): not one of the classes and functions a torch checkpoint of weights needs, so it is never run`,
      );
    }
    return found;
  }

  private reduce(): PyValue {
    const args = this.pop();
    const fn = this.pop();
    if (!(fn instanceof PyGlobal) || !fn.call)
      this.fail('bad-pickle', `REDUCE on ${describe(fn)}, which is not callable`);
    if (!Array.isArray(args)) this.fail('bad-pickle', `REDUCE arguments of ${fn.qualified} are not a tuple`);
    return fn.call(args, this.where());
  }

  private build(): void {
    const state = this.pop();
    const obj = this.top();
    if (obj instanceof PyInstance) {
      obj.state = state;
      return;
    }
    // OrderedDict.__reduce__ gives its instance __dict__ (`_metadata` on state dicts) as the BUILD state.
    if (obj instanceof PyDict && state instanceof PyDict) {
      for (const [k, v] of state) {
        if (typeof k !== 'string') this.fail('bad-pickle', `BUILD sets an attribute named ${describe(k)}`);
        obj.attributes.set(k, v);
      }
      return;
    }
    this.fail('bad-pickle', `BUILD with ${describe(state)} on ${describe(obj)} is not supported`);
  }

  private append(items: PyValue[]): void {
    const list = this.top();
    if (!Array.isArray(list)) this.fail('bad-pickle', `APPEND to ${describe(list)}`);
    list.push(...items);
  }

  private setItems(dict: PyValue, items: PyValue[]): PyDict {
    if (!(dict instanceof PyDict)) this.fail('bad-pickle', `SETITEM on ${describe(dict)}`);
    for (let i = 0; i + 1 < items.length; i += 2) dict.set(items[i], items[i + 1]);
    return dict;
  }

  private get(index: number): PyValue {
    if (!this.memo.has(index)) this.fail('bad-pickle', `memo entry ${index} is read before it is written`);
    return this.memo.get(index) as PyValue;
  }

  private top(): PyValue {
    const v = this.stack[this.stack.length - 1];
    if (this.stack.length === 0 || v === MARK) this.fail('bad-pickle', 'stack underflow');
    return v as PyValue;
  }

  private pop(): PyValue {
    const v = this.top();
    this.stack.pop();
    return v;
  }

  private popN(n: number): PyValue[] {
    const items: PyValue[] = [];
    for (let i = 0; i < n; i++) items.unshift(this.pop());
    return items;
  }

  private popMark(): PyValue[] {
    const at = this.marks.pop();
    if (at === undefined) this.fail('bad-pickle', 'MARK expected');
    const items = this.stack.splice(at) as PyValue[];
    return items.slice(1);
  }

  private take<T>(n: number, read: (at: number) => T): T {
    if (this.pos + n > this.data.length) this.fail('bad-pickle', 'the pickle ends in the middle of an opcode');
    const v = read(this.pos);
    this.pos += n;
    return v;
  }

  private u8(): number {
    return this.take(1, (at) => this.data[at]);
  }

  private u32(): number {
    return this.take(4, (at) => this.view.getUint32(at, true));
  }

  private bytes(n: number): Uint8Array {
    return this.take(n, (at) => this.data.subarray(at, at + n));
  }

  private line(): string {
    const end = this.data.indexOf(0x0a, this.pos);
    if (end < 0) this.fail('bad-pickle', 'the pickle ends in the middle of a GLOBAL');
    return new TextDecoder().decode(this.bytes(end - this.pos + 1).subarray(0, -1));
  }

  private unicode(): string {
    return new TextDecoder().decode(this.bytes(this.u32()));
  }

  /** Little-endian two's complement (LONG1/LONG4); a number when it is exactly one. */
  private long(n: number): number | bigint {
    const b = this.bytes(n);
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (n > 0 && b[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }

  private where(): Where {
    return { file: this.opts.file, offset: this.opStart };
  }

  private fail(code: 'bad-pickle' | 'bad-opcode', message: string): never {
    throw new TorchFileError(code, this.opts.file, undefined, `${message} (pickle byte ${this.opStart})`);
  }
}

/** A short description of a value for error messages. */
export function describe(v: PyValue | undefined): string {
  if (v === null || v === undefined) return 'None';
  if (Array.isArray(v)) return `a tuple of ${v.length}`;
  if (v instanceof PyDict) return v.ordered ? 'an OrderedDict' : 'a dict';
  if (v instanceof PyGlobal) return v.qualified;
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  if (v instanceof Set) return 'a set';
  if (typeof v === 'object') return v.pyClass;
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}
