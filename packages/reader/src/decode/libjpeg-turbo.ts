/**
 * libjpeg-turbo's TurboJPEG 3 API called through `koffi` (an FFI with prebuilt binaries): the accurate integer IDCT
 * and fancy upsampling that libjpeg (and so OpenSlide and Pillow) use by default — bit-exact with them — at native
 * speed, on libuv's threadpool so several tiles decode at once.
 *
 * The shared library is the one `@julusian/jpeg-turbo` ships beside its binding on Linux (x64, arm64, arm, musl), or
 * the file named by `WSI_LIBTURBOJPEG`, or a system `libturbojpeg` ≥ 3.0. Where none loads (macOS and Windows builds
 * of that binding link it statically), {@link loadLibjpegTurbo} returns null and the caller picks another engine.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

// TurboJPEG 3 constants (turbojpeg.h).
const TJINIT_DECOMPRESS = 1;
const TJPARAM_FASTUPSAMPLE = 9;
const TJPARAM_FASTDCT = 10;
const TJPARAM_SCANLIMIT = 13;
const TJPARAM_MAXMEMORY = 23;
const TJERR_WARNING = 0;
const TJPF_GRAY = 6;
const TJPF_RGBA = 7;
/** Cap on libjpeg's working memory per decode, in MiB (a tile needs a few; a hostile header cannot ask for more). */
const MAX_MEMORY_MIB = 256;
/**
 * Decodes handed to koffi at once; more wait in a JS queue. koffi runs async calls on libuv's threadpool (4 threads
 * by default) and keeps 8 sets of call memory resident (`resident_async_pools`); each call beyond them allocates a
 * fresh 256 KiB set on the main thread. Measured here with 256×64 tiles: 7–17 µs of main-thread time per call at 4–8
 * in flight, 54–63 µs at 16–32 (and 67–97 µs for a no-op call at 16–32).
 */
const MAX_IN_FLIGHT = 8;
/** libjpeg warnings that leave the pixels whole. */
const BENIGN_WARNING =
  /extraneous bytes before marker|unknown JFIF revision|inconsistent progression|invalid SOS parameters/i;
/** Cap on progressive scans (a crafted stream with thousands of tiny scans would otherwise spin). */
const MAX_SCANS = 500;

type Fn = ((...args: unknown[]) => unknown) & {
  async: (...args: unknown[]) => void;
};

/** A loaded TurboJPEG library: decode one complete JPEG stream into a caller's buffer. */
export interface LibjpegTurbo {
  /** Where the library was loaded from. */
  readonly path: string;
  /**
   * Decodes `stream` (a complete JPEG whose frame is `width`×`height`, already checked by the caller) into `into`
   * (exactly `width × height × channels` bytes) as RGBA (`channels` 4) or grey (1). Resolves to null on success, to
   * libjpeg's message when the stream is corrupt or truncated (a few harmless libjpeg warnings are not errors).
   */
  decode(stream: Uint8Array, width: number, channels: 1 | 4, into: Uint8Array): Promise<string | null>;
  /**
   * Decodes only the part of `stream` (a `frame.width`×`frame.height` image) covering `want`, widened by
   * {@link CROP_MARGIN} pixels when chroma is subsampled and aligned to the iMCU on the left, so the pixels inside
   * `want` equal a whole-image decode exactly (libjpeg treats a crop's edges as image edges when it upsamples
   * chroma). `acquire(bytes)` gives the output buffer. Resolves to the window and its origin, to libjpeg's message for a corrupt stream, or to null
   * when the stream cannot be cropped (then decode it whole).
   */
  decodeWindow(
    stream: Uint8Array,
    frame: { width: number; height: number },
    channels: 1 | 4,
    want: { x: number; y: number; width: number; height: number },
    acquire: (bytes: number) => Uint8Array,
  ): Promise<{ data: Uint8Array; x: number; y: number; width: number; height: number } | string | null>;
}

/**
 * Pixels decoded around a cropped window: fancy upsampling reads one chroma sample (up to 4 pixels at 4×
 * subsampling) across a crop edge, so 8 pixels of margin keep the window bit-exact (checked against whole decodes
 * in the reader's tests).
 */
export const CROP_MARGIN = 8;
const TJPARAM_SUBSAMP = 4;
const TJSAMP_444 = 0;
const TJSAMP_GRAY = 3;
/** iMCU width in pixels by TurboJPEG subsampling (444, 422, 420, GRAY, 440, 411, 441). */
const MCU_WIDTH = [8, 16, 16, 8, 8, 32, 8];
let regionTypes = 0;

let loaded: LibjpegTurbo | null | undefined;

function candidates(): string[] {
  const out: string[] = [];
  if (process.env.WSI_LIBTURBOJPEG) out.push(process.env.WSI_LIBTURBOJPEG);
  try {
    const pkg = createRequire(import.meta.url).resolve('@julusian/jpeg-turbo/package.json');
    // the glibc build first, then the musl one (a build for the other libc fails to load and the next is tried;
    // cheaper than asking process.report, which collects a whole diagnostic report)
    for (const libc of ['', '-musl']) {
      const dir = join(dirname(pkg), 'prebuilds', `jpeg-turbo-${process.platform}-${process.arch}${libc}`);
      out.push(join(dir, 'libturbojpeg.so.0'));
    }
  } catch {
    // binding not installed: only the other candidates
  }
  if (process.platform === 'linux') out.push('libturbojpeg.so.0');
  else if (process.platform === 'darwin') out.push('libturbojpeg.dylib', '/opt/homebrew/lib/libturbojpeg.dylib');
  else if (process.platform === 'win32') out.push('turbojpeg.dll');
  return out;
}

/**
 * Loads TurboJPEG once; null when no candidate library loads (or it predates the TurboJPEG 3 API).
 *
 * @example
 * ```ts
 * const tj = loadLibjpegTurbo();
 * if (tj) console.log('libjpeg-turbo from', tj.path);
 * ```
 */
export function loadLibjpegTurbo(): LibjpegTurbo | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  let koffi: typeof import('koffi');
  try {
    koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
  } catch {
    return loaded;
  }
  for (const path of candidates()) {
    if (path.includes('/') && !existsSync(path)) continue;
    try {
      const lib = koffi.load(path);
      const init = lib.func('void *tj3Init(int)') as unknown as Fn;
      const set = lib.func('int tj3Set(void *, int, int)') as unknown as Fn;
      const decompress = lib.func(
        'int tj3Decompress8(void *, const uint8_t *, size_t, uint8_t *, int, int)',
      ) as unknown as Fn;
      const errorCode = lib.func('int tj3GetErrorCode(void *)') as unknown as Fn;
      const errorStr = lib.func('const char *tj3GetErrorStr(void *)') as unknown as Fn;
      const header = lib.func('int tj3DecompressHeader(void *, const uint8_t *, size_t)') as unknown as Fn;
      const get = lib.func('int tj3Get(void *, int)') as unknown as Fn;
      const region = koffi.struct(`wsi_tjregion_${regionTypes++}`, { x: 'int', y: 'int', w: 'int', h: 'int' });
      const crop = lib.func('tj3SetCroppingRegion', 'int', ['void *', region]) as unknown as Fn;
      loaded = makeDecoder(path, { init, set, decompress, errorCode, errorStr, header, get, crop });
      break;
    } catch {
      // not this one: try the next candidate
    }
  }
  return loaded;
}

interface TjFns {
  init: Fn;
  set: Fn;
  decompress: Fn;
  errorCode: Fn;
  errorStr: Fn;
  header: Fn;
  get: Fn;
  crop: Fn;
}

function makeDecoder(path: string, tj: TjFns): LibjpegTurbo {
  // A TurboJPEG handle serves one decode at a time: idle ones are kept for reuse (as many as were ever in flight).
  // Handles that decode windows keep a cropping region, so they are kept apart from the whole-image ones.
  const idleWhole: unknown[] = [];
  const idleCrop: unknown[] = [];
  const handle = (idle: unknown[]): unknown => {
    const reused = idle.pop();
    if (reused) return reused;
    const h = tj.init(TJINIT_DECOMPRESS);
    if (!h) throw new Error('tj3Init failed');
    // libjpeg's defaults, pinned: accurate integer IDCT, fancy (smooth) chroma upsampling — as OpenSlide decodes.
    tj.set(h, TJPARAM_FASTDCT, 0);
    tj.set(h, TJPARAM_FASTUPSAMPLE, 0);
    tj.set(h, TJPARAM_MAXMEMORY, MAX_MEMORY_MIB);
    tj.set(h, TJPARAM_SCANLIMIT, MAX_SCANS);
    return h;
  };
  /** libjpeg's message for a failed call on `h`, or null when it only warned harmlessly. */
  const failure = (h: unknown): string | null => {
    const text = String(tj.errorStr(h));
    // Only libjpeg's harmless warnings pass (extraneous bytes before a marker, which some scanners write…); a
    // truncated scan or a stream with no image is corrupt, though libjpeg would fill grey and go on.
    return tj.errorCode(h) !== TJERR_WARNING || !BENIGN_WARNING.test(text) ? text : null;
  };
  // a slot is held from the call until its callback; a finished call hands its slot to the next waiter
  let inFlight = 0;
  const waiting: (() => void)[] = [];
  const acquireSlot = async (): Promise<void> => {
    if (inFlight < MAX_IN_FLIGHT) inFlight++;
    else await new Promise<void>((go) => waiting.push(go));
  };
  const releaseSlot = (): void => {
    const next = waiting.shift();
    if (next) next();
    else inFlight--;
  };
  /** tj3Decompress8 on a worker thread; `h` goes back to `idle` and the slot is released when it returns. */
  const submit = (
    h: unknown,
    idle: unknown[],
    stream: Uint8Array,
    into: Uint8Array,
    pitch: number,
    channels: 1 | 4,
  ): Promise<string | null> =>
    new Promise<string | null>((resolve) => {
      tj.decompress.async(
        h,
        stream,
        stream.byteLength,
        into,
        pitch,
        channels === 1 ? TJPF_GRAY : TJPF_RGBA,
        (err: unknown, rc: number) => {
          // (the buffers stay referenced until the call returns: this closure holds them)
          let msg: string | null = null;
          if (err) msg = (err as Error).message;
          else if (rc !== 0) msg = failure(h);
          else if (stream.byteLength === 0 || into.byteLength === 0) msg = 'empty buffer';
          idle.push(h);
          releaseSlot();
          resolve(msg);
        },
      );
    });
  const take = (idle: unknown[]): unknown | string => {
    try {
      return handle(idle);
    } catch (err) {
      releaseSlot();
      return `${(err as Error).message}`;
    }
  };
  return {
    path,
    async decode(stream, width, channels, into) {
      await acquireSlot();
      const h = take(idleWhole);
      if (typeof h === 'string') return h;
      return submit(h, idleWhole, stream, into, width * channels, channels);
    },
    async decodeWindow(stream, frame, channels, want, acquire) {
      await acquireSlot();
      const h = take(idleCrop);
      if (typeof h === 'string') return h;
      // the header and the cropping region are set here on the main thread; only the decode runs on a worker
      const giveBack = <T>(v: T): T => {
        idleCrop.push(h);
        releaseSlot();
        return v;
      };
      if (tj.header(h, stream, stream.byteLength) !== 0) {
        const msg = failure(h);
        if (msg !== null) return giveBack(msg);
      }
      const subsamp = tj.get(h, TJPARAM_SUBSAMP) as number;
      const mcu = MCU_WIDTH[subsamp];
      if (!mcu) return giveBack(null);
      // without chroma subsampling (4:4:4, grey) nothing is upsampled: every pixel comes from its own block
      const margin = subsamp === TJSAMP_444 || subsamp === TJSAMP_GRAY ? 0 : CROP_MARGIN;
      const x = Math.floor(Math.max(0, want.x - margin) / mcu) * mcu;
      const y = Math.max(0, want.y - margin);
      const width = Math.min(frame.width, want.x + want.width + margin) - x;
      const height = Math.min(frame.height, want.y + want.height + margin) - y;
      if (width <= 0 || height <= 0 || tj.crop(h, { x, y, w: width, h: height }) !== 0) return giveBack(null);
      const into = acquire(width * height * channels);
      const msg = await submit(h, idleCrop, stream, into, width * channels, channels);
      return msg ?? { data: into, x, y, width, height };
    },
  };
}
