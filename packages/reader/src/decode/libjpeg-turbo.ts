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
}

let loaded: LibjpegTurbo | null | undefined;

function candidates(): string[] {
  const out: string[] = [];
  if (process.env.WSI_LIBTURBOJPEG) out.push(process.env.WSI_LIBTURBOJPEG);
  try {
    const pkg = createRequire(import.meta.url).resolve('@julusian/jpeg-turbo/package.json');
    const musl = process.platform === 'linux' && isMusl() ? '-musl' : '';
    const dir = join(dirname(pkg), 'prebuilds', `jpeg-turbo-${process.platform}-${process.arch}${musl}`);
    out.push(join(dir, 'libturbojpeg.so.0'));
  } catch {
    // binding not installed: only the other candidates
  }
  if (process.platform === 'linux') out.push('libturbojpeg.so.0');
  else if (process.platform === 'darwin') out.push('libturbojpeg.dylib', '/opt/homebrew/lib/libturbojpeg.dylib');
  else if (process.platform === 'win32') out.push('turbojpeg.dll');
  return out;
}

function isMusl(): boolean {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return !report?.header?.glibcVersionRuntime;
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
      loaded = makeDecoder(path, { init, set, decompress, errorCode, errorStr });
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
}

function makeDecoder(path: string, tj: TjFns): LibjpegTurbo {
  // A TurboJPEG handle serves one decode at a time: keep the idle ones for reuse (as many as were ever in flight).
  const idle: unknown[] = [];
  const handle = (): unknown => {
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
  // a slot is held from the call until its callback; a finished call hands its slot to the next waiter
  let inFlight = 0;
  const waiting: (() => void)[] = [];
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else inFlight--;
  };
  const run = (stream: Uint8Array, width: number, channels: 1 | 4, into: Uint8Array): Promise<string | null> =>
    new Promise<string | null>((resolve) => {
      let h: unknown;
      try {
        h = handle();
      } catch (err) {
        release();
        resolve((err as Error).message);
        return;
      }
      tj.decompress.async(
        h,
        stream,
        stream.byteLength,
        into,
        width * channels,
        channels === 1 ? TJPF_GRAY : TJPF_RGBA,
        (err: unknown, rc: number) => {
          // (the buffers stay referenced until the call returns: this closure holds them)
          if (stream.byteLength === 0 || into.byteLength === 0) rc = -1;
          let msg: string | null = null;
          if (err) msg = (err as Error).message;
          else if (rc !== 0) {
            const text = String(tj.errorStr(h));
            // Only libjpeg's harmless warnings pass (extraneous bytes before a marker, which some scanners write…);
            // a truncated scan or a stream with no image is corrupt, though libjpeg would fill grey and go on.
            if (tj.errorCode(h) !== TJERR_WARNING || !BENIGN_WARNING.test(text)) msg = text;
          }
          idle.push(h);
          release();
          resolve(msg);
        },
      );
    });
  return {
    path,
    async decode(stream, width, channels, into) {
      if (inFlight < MAX_IN_FLIGHT) inFlight++;
      else await new Promise<void>((go) => waiting.push(go));
      return run(stream, width, channels, into);
    },
  };
}
