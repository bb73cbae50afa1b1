/**
 * Writes a float32 matrix as a PyTorch `.pt` file (torch.save's zip serialisation), as CLAM's `pt_files/` hold:
 * an uncompressed zip with `archive/data.pkl` (a protocol-2 pickle that rebuilds the tensor from persistent
 * storage `0`), `archive/data/0` (the raw little-endian floats) and `archive/version`.
 */
import { randomBytes } from 'node:crypto';
import { type FileHandle, open, rename, unlink } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { WsiError } from '@wsi/core';

class Pickler {
  private parts: number[] = [];
  op(...bytes: number[]): this {
    this.parts.push(...bytes);
    return this;
  }
  global(module: string, name: string): this {
    return this.op(0x63, ...Buffer.from(`${module}\n${name}\n`, 'utf8'));
  }
  str(s: string): this {
    const b = Buffer.from(s, 'utf8');
    return this.op(0x58, b.length & 255, (b.length >> 8) & 255, (b.length >> 16) & 255, b.length >>> 24, ...b);
  }
  int(n: number): this {
    if (!Number.isSafeInteger(n) || n < 0) throw new WsiError('InvalidArgument', `pickle int ${n}`);
    if (n < 2 ** 31) return this.op(0x4a, n & 255, (n >> 8) & 255, (n >> 16) & 255, n >>> 24);
    // LONG1: 8-byte little-endian two's complement.
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(BigInt(n));
    return this.op(0x8a, 8, ...b);
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

/**
 * The `data.pkl` of a 2-D float32 tensor of shape [rows, cols] stored in storage `0`.
 *
 * @example
 * ```ts
 * const pkl = tensorPickle(10, 1024);
 * ```
 */
export function tensorPickle(rows: number, cols: number): Uint8Array {
  const MARK = 0x28;
  const p = new Pickler().op(0x80, 2).global('torch._utils', '_rebuild_tensor_v2').op(MARK);
  p.op(MARK)
    .str('storage')
    .global('torch', 'FloatStorage')
    .str('0')
    .str('cpu')
    .int(rows * cols)
    .op(0x74, 0x51); // TUPLE, BINPERSID
  p.op(0x4b, 0); // storage offset 0
  p.int(rows).int(cols).op(0x86); // size
  p.int(cols).int(1).op(0x86); // stride
  p.op(0x89); // requires_grad False
  p.global('collections', 'OrderedDict').op(0x29, 0x52); // OrderedDict()
  p.op(0x74, 0x52, 0x2e); // TUPLE, REDUCE, STOP
  return p.bytes();
}

const DOS_DATE = 0x21; // 1980-01-01

function localHeader(name: Buffer, crc: number, size: number): Buffer {
  const h = Buffer.alloc(30);
  h.writeUInt32LE(0x04034b50, 0);
  h.writeUInt16LE(20, 4);
  h.writeUInt16LE(DOS_DATE, 12);
  h.writeUInt32LE(crc, 14);
  h.writeUInt32LE(size, 18);
  h.writeUInt32LE(size, 22);
  h.writeUInt16LE(name.length, 26);
  return h;
}

function centralHeader(name: Buffer, crc: number, size: number, offset: number): Buffer {
  const cd = Buffer.alloc(46);
  cd.writeUInt32LE(0x02014b50, 0);
  cd.writeUInt16LE(20, 4);
  cd.writeUInt16LE(20, 6);
  cd.writeUInt16LE(DOS_DATE, 14);
  cd.writeUInt32LE(crc, 16);
  cd.writeUInt32LE(size, 20);
  cd.writeUInt32LE(size, 24);
  cd.writeUInt16LE(name.length, 28);
  cd.writeUInt32LE(offset, 42);
  return cd;
}

/**
 * Streams an N×D float32 tensor into a `.pt` file row block by row block (the size is known up front, so memory
 * stays at one block): an uncompressed zip whose data entry's CRC is patched in at the end. Atomic: written to a
 * temporary file and renamed by {@link TorchTensorWriter.finish}.
 *
 * @example
 * ```ts
 * const w = await TorchTensorWriter.create('pt_files/s1.pt', n, 1024);
 * await w.append(batch); // k × 1024 floats
 * await w.finish();
 * ```
 */
export class TorchTensorWriter {
  private crc = 0;
  private written = 0;
  private central: Buffer[] = [];
  private offset = 0;

  private constructor(
    private readonly fh: FileHandle,
    private readonly tmp: string,
    readonly path: string,
    readonly rows: number,
    readonly cols: number,
    private readonly dataHeaderAt: number,
  ) {}

  /**
   * Creates the temporary file with the pickle entry and the data entry's header.
   *
   * @throws WsiError `InvalidArgument` for bad sizes or a tensor over 4 GiB (zip64 is not written).
   */
  static async create(path: string, rows: number, cols: number): Promise<TorchTensorWriter> {
    if (!(Number.isSafeInteger(rows) && rows >= 0 && Number.isSafeInteger(cols) && cols >= 1)) {
      throw new WsiError('InvalidArgument', `tensor shape ${rows}×${cols} is invalid`);
    }
    if (rows * cols * 4 > 0xfffffffe)
      throw new WsiError('InvalidArgument', `a ${rows}×${cols} float32 tensor is over 4 GiB (zip64 is not written)`);
    const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    const fh = await open(tmp, 'w');
    const pkl = tensorPickle(rows, cols);
    const pklName = Buffer.from('archive/data.pkl');
    const pklCrc = crc32(pkl);
    const w = new TorchTensorWriter(fh, tmp, path, rows, cols, 30 + pklName.length + pkl.length);
    try {
      await w.put(localHeader(pklName, pklCrc, pkl.length), pklName, pkl);
      w.central.push(centralHeader(pklName, pklCrc, pkl.length, 0), pklName);
      const dataName = Buffer.from('archive/data/0');
      await w.put(localHeader(dataName, 0, rows * cols * 4), dataName);
    } catch (err) {
      await w.abort();
      throw err;
    }
    return w;
  }

  private async put(...parts: Uint8Array[]): Promise<void> {
    for (const p of parts) {
      await this.fh.write(p, 0, p.byteLength, this.offset);
      this.offset += p.byteLength;
    }
  }

  /** Appends whole rows (k × cols floats). */
  async append(block: Float32Array): Promise<void> {
    if (block.length % this.cols !== 0 || this.written + block.length > this.rows * this.cols) {
      throw new WsiError(
        'InvalidArgument',
        `block of ${block.length} values does not fit the ${this.rows}×${this.cols} tensor`,
      );
    }
    const bytes = new Uint8Array(block.buffer, block.byteOffset, block.byteLength);
    this.crc = crc32(bytes, this.crc);
    this.written += block.length;
    await this.put(bytes);
  }

  /** Writes the CRC, the version entry and the central directory, then renames into place. */
  async finish(): Promise<void> {
    try {
      if (this.written !== this.rows * this.cols) {
        throw new WsiError('InvalidArgument', `tensor has ${this.written} of ${this.rows * this.cols} values`);
      }
      const crc = Buffer.alloc(4);
      crc.writeUInt32LE(this.crc >>> 0);
      await this.fh.write(crc, 0, 4, this.dataHeaderAt + 14);
      const dataName = Buffer.from('archive/data/0');
      this.central.push(centralHeader(dataName, this.crc >>> 0, this.written * 4, this.dataHeaderAt), dataName);
      const version = Buffer.from('3\n');
      const vName = Buffer.from('archive/version');
      const vCrc = crc32(version);
      const vAt = this.offset;
      await this.put(localHeader(vName, vCrc, version.length), vName, version);
      this.central.push(centralHeader(vName, vCrc, version.length, vAt), vName);
      const cdAt = this.offset;
      const cdSize = this.central.reduce((s, b) => s + b.length, 0);
      const end = Buffer.alloc(22);
      end.writeUInt32LE(0x06054b50, 0);
      end.writeUInt16LE(3, 8);
      end.writeUInt16LE(3, 10);
      end.writeUInt32LE(cdSize, 12);
      end.writeUInt32LE(cdAt, 16);
      await this.put(...this.central, end);
      await this.fh.close();
      await rename(this.tmp, this.path);
    } catch (err) {
      await this.abort();
      throw err instanceof WsiError
        ? err
        : new WsiError('Io', `cannot write ${this.path}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Deletes the temporary file. */
  async abort(): Promise<void> {
    await this.fh.close().catch(() => {});
    await unlink(this.tmp).catch(() => {});
  }
}

/**
 * Writes `data` (rows × cols float32) as a `.pt` file that `torch.load` returns as a FloatTensor; atomic
 * (temporary file + rename).
 *
 * @throws WsiError `InvalidArgument` when the sizes disagree.
 * @example
 * ```ts
 * await writeTorchTensor('pt_files/slide.pt', features, n, 1024);
 * ```
 */
export async function writeTorchTensor(path: string, data: Float32Array, rows: number, cols: number): Promise<void> {
  if (data.length !== rows * cols)
    throw new WsiError('InvalidArgument', `tensor data has ${data.length} values, not ${rows}×${cols}`);
  const w = await TorchTensorWriter.create(path, rows, cols);
  await w.append(data);
  await w.finish();
}
