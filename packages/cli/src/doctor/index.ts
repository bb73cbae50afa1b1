/**
 * `wsi doctor`: measure the machine's limits before a cohort (the first rule: know the hardware).
 */
import { readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type DecodeMeasure, measureDecode } from './decode.js';
import { type DiskMeasure, measureDiskRead } from './disk.js';
import { type EncoderMeasure, measureEncoder } from './encoder.js';
import { type DoctorEstimate, estimateCohort } from './estimate.js';
import { type MachineInfo, machineInfo } from './machine.js';
import { writeProbeSlide } from './probe-slide.js';

export { type DecodeMeasure, measureDecode } from './decode.js';
export { type DiskMeasure, measureDiskRead } from './disk.js';
export { type EncoderMeasure, measureEncoder } from './encoder.js';
export { type DoctorEstimate, type EstimateInput, estimateCohort } from './estimate.js';
export { type MachineInfo, machineInfo } from './machine.js';

/**
 * Options of {@link runDoctor} (the flags of `wsi doctor`).
 *
 * @example
 * ```ts
 * const o: DoctorOptions = { slide: 'slides/a.svs', slides: 500 };
 * ```
 */
export interface DoctorOptions {
  /** A slide of the cohort (local file); without it a generated test slide in `dir` (default the temp folder). */
  slide?: string;
  dir?: string;
  /** Encoder `.onnx` (default: the built-in encoder). */
  model?: string;
  preset?: string;
  /** Slides in the cohort (default 100). */
  slides?: number;
  /** Bytes of one slide (default: the given slide's size, else 1 GB). */
  slideBytes?: number;
  patchSize?: number;
  magnification?: number;
  /** Seconds per measurement (default 2). */
  seconds?: number;
}

/**
 * What `wsi doctor --json` prints (docs/cli.md).
 *
 * @example
 * ```ts
 * const r: DoctorReport = await runDoctor({});
 * console.log(r.estimate.bottleneck, r.estimate.hours);
 * ```
 */
export interface DoctorReport {
  machine: MachineInfo;
  disk: DiskMeasure;
  decode: DecodeMeasure;
  encoder: EncoderMeasure;
  estimate: DoctorEstimate;
  notes: string[];
}

/** Bytes of a slide: the file, plus its MIRAX companion folder, or the files of a DICOM folder. */
async function slideBytes(slide: string): Promise<number> {
  let total = 0;
  const st = await stat(slide);
  if (st.isFile()) total += st.size;
  const folder = /\.mrxs$/i.test(slide) ? slide.slice(0, -'.mrxs'.length) : st.isDirectory() ? slide : undefined;
  if (folder !== undefined) {
    for (const e of await readdir(folder, { withFileTypes: true }).catch(() => [])) {
      if (e.isFile()) total += (await stat(join(folder, e.name))).size;
    }
  }
  return total;
}

/** The file whose reads stand for the slide's: itself, or the largest file of a MIRAX or DICOM folder. */
async function largestFile(slide: string): Promise<string> {
  const folder = /\.mrxs$/i.test(slide) ? slide.slice(0, -'.mrxs'.length) : slide;
  const st = await stat(folder).catch(() => undefined);
  if (!st?.isDirectory()) return slide;
  let best = { path: slide, size: -1 };
  for (const e of await readdir(folder, { withFileTypes: true })) {
    if (!e.isFile()) continue;
    const p = join(folder, e.name);
    const size = (await stat(p)).size;
    if (size > best.size) best = { path: p, size };
  }
  return best.path;
}

/**
 * Measures disk read throughput where the slide lives, tile decode rate (through @wsi/reader), encoder
 * throughput, cores and free memory; names the bottleneck and estimates the hours for the cohort.
 *
 * @throws WsiError when the slide or model cannot be read.
 * @example
 * ```ts
 * const r = await runDoctor({ slide: 'slides/a.svs', slides: 200 });
 * ```
 */
export async function runDoctor(o: DoctorOptions = {}): Promise<DoctorReport> {
  const seconds = o.seconds ?? 2;
  const machine = machineInfo();
  const notes: string[] = [];
  let probe: string | undefined;
  try {
    let slide = o.slide;
    if (slide === undefined) {
      probe = await writeProbeSlide(o.dir ?? tmpdir());
      slide = probe;
      notes.push(
        `no SLIDE given: measured a generated 4096² JPEG-tiled TIFF in ${dirname(probe)} (just written, so disk reads may hit the page cache)`,
      );
    }
    const disk = await measureDiskRead(await largestFile(slide), {
      seconds,
      ...(probe ? { note: 'a file just written: likely page-cache speed, not the disk' } : {}),
    });
    const decode = await measureDecode(slide, { seconds });
    const encoder = await measureEncoder({
      model: o.model ?? 'default',
      ...(o.preset === undefined ? {} : { preset: o.preset }),
      seconds,
    });
    const measured = probe ? undefined : await slideBytes(slide);
    const size = o.slideBytes ?? measured ?? 1e9;
    const estimate = estimateCohort({
      slides: o.slides ?? 100,
      slideBytes: size,
      diskMBps: disk.megabytesPerSecond,
      decodeMPps: decode.megapixelsPerSecond,
      encoderPps: encoder.patchesPerSecond,
      ...(measured === undefined ? {} : { bytesPerPixel: measured / (decode.width * decode.height) }),
      ...(probe || decode.objectivePower === undefined ? {} : { level0Magnification: decode.objectivePower }),
      ...(o.patchSize === undefined ? {} : { patchSize: o.patchSize }),
      ...(o.magnification === undefined ? {} : { magnification: o.magnification }),
    });
    const perWorker = 2 * 2 ** 30;
    if (machine.freeMemoryBytes < perWorker)
      notes.push('less than 2 GiB free memory: run one slide at a time and a small --batch-size');
    if (encoder.model === 'default')
      notes.push('encoder: the built-in weight-free encoder; a foundation model (--model FILE.onnx) is much slower');
    notes.push(
      `bottleneck: ${estimate.bottleneck} (${estimate.patchesPerSecond[estimate.bottleneck]} patches/s of ${
        estimate.patchesPerSlide
      } per slide)`,
    );
    return { machine, disk, decode, encoder, estimate, notes };
  } finally {
    if (probe) await rm(probe, { force: true });
  }
}
