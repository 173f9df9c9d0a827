/**
 * The lossless codec against the model's NLL and against PNG and WebP lossless, on the same test images
 * (npm run bench:codec).
 *
 *   tsx scripts/bench-codec.ts [--models emoji32-pixelcnn,mnist-pixelcnn] [--limit N] [--backend cpu|wasm|webgpu]
 *                              [--engine auto|tfjs] [--batch 8] [--single 2]
 *   tsx scripts/bench-codec.ts --cross cpu,wasm[,webgpu] [--models …] [--limit 2]
 *   tsx scripts/bench-codec.ts --paired 12 [--models …] [--backend wasm]
 *
 * Per model (public/models/<id>): every image of its dataset's test split (Emoji-32: the whole split;
 * MNIST: the first 1,000 of the fixed binarisation), or the first --limit. The images are encoded --batch at
 * a time in lockstep (see src/core/codec/codec.ts, "Batching"), and written two ways from the same coded
 * data: each image its own .prnn file (format version 1), and all of them in one file (version 2: one
 * header for all, a few bytes per image). The one file is then decoded, --batch at a time, and every
 * image compared with the original; since each per-image file holds the very same coded bytes (checked,
 * byte for byte), that decode stands for theirs too. The first --single per-image files are then decoded
 * one at a time, as the command line does, to check that batching changed no bit, and the last image is
 * decoded alone out of the one file.
 *
 * --engine: 'auto' (default) codes PixelCNNs with the JavaScript evaluator (files of family "js"), the other
 * architectures with tfjs on --backend; 'tfjs' codes every model with tfjs on --backend.
 *
 * Figures: file bits/dim (whole per-image files, header included), `oneFile` (the same for the one file of
 * all the images: bits/dim, overhead % over the NLL, bytes), payload bits/dim (the coded data alone), the
 * model's NLL in bits/dim (from the very logits the coder used), the overhead of each over the NLL,
 * encode and decode milliseconds per image (wall time of the batched runs divided by the images), and
 * PNG and WebP lossless (scripts/codec-baselines.ts: each image its own file) on the same images. MNIST's
 * baselines compress the black-and-white image as 8-bit RGB (pngjs writes no 1-bit PNG).
 *
 * --cross measures portability instead: the first --limit (default 2) images of each model are encoded one
 * at a time on every listed backend, and every file is decoded on every other backend with the backend
 * check switched off: each pair either restores the image exactly or ends in a pixel-checksum failure
 * (never a wrong image). It also prints how many of the model's logits on the first image are bit-equal
 * between backends (full forward pass). WebGPU in Node needs Dawn's Vulkan: on a machine without GPU,
 * VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json (slow: use --limit 1).
 * --paired N compares the two decoders in one process: the first N test images of each model are encoded with
 * the tfjs path (on --backend) and, where the model has one, with the JavaScript evaluator; then each image is
 * decoded alone by one and by the other, back to back (alternating which goes first), so both see the same
 * load. It prints the median and spread (min, quartiles, max) of each one's wall and CPU milliseconds per
 * image, and the median of the per-image ratios.
 * The last line of the output is one JSON object with every figure.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { setupNodeBackend } from './lib/nodeBackend';

const HELP =
  'Usage: bench-codec [--models emoji32-pixelcnn,mnist-pixelcnn] [--limit N] [--backend cpu|wasm|webgpu] [--engine auto|tfjs] [--batch 8] [--single 2]\n' +
  '       bench-codec --cross cpu,wasm[,webgpu] [--models …] [--limit 2]\n' +
  '       bench-codec --paired N [--models …] [--backend wasm]';
const { values: args } = parseArgs({
  options: {
    models: { type: 'string', default: 'emoji32-pixelcnn,mnist-pixelcnn' },
    limit: { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
    batch: { type: 'string', default: '8' },
    single: { type: 'string', default: '2' },
    cross: { type: 'string' },
    engine: { type: 'string', default: 'auto' },
    paired: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(HELP);
  process.exit(0);
}
function fail(msg: string): never {
  console.error(`bench-codec: ${msg}\n${HELP}`);
  process.exit(2);
}
const int = (v: string | undefined, name: string, min: number) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) fail(`--${name} must be an integer ≥ ${min}`);
  return n;
};
const limit = args.limit === undefined ? undefined : int(args.limit, 'limit', 1);
const batch = int(args.batch, 'batch', 1);
const single = int(args.single, 'single', 0);
if (args.engine !== 'auto' && args.engine !== 'tfjs') fail('--engine must be auto or tfjs');
const engine = args.engine as 'auto' | 'tfjs';
const paired = args.paired === undefined ? undefined : int(args.paired, 'paired', 1);
/** MNIST: the issue's 1,000 test images; Emoji-32: the whole test split. */
const DEFAULT_COUNT: Record<string, number> = { mnist: 1000 };

const crossBackends = args.cross?.split(',').filter(Boolean) ?? [];
// webgpu first: navigator.gpu must exist before its backend is imported (scripts/lib/nodeBackend.ts)
for (const b of [...crossBackends].sort((a, b) => Number(b === 'webgpu') - Number(a === 'webgpu'))) await setupNodeBackend(b).catch((e: Error) => fail(e.message));
if (crossBackends.includes('webgpu') || args.backend === 'webgpu') {
  // As the app does on software adapters (src/gpu/backend.ts): tfjs-webgpu's default program for small
  // products costs ~150 ms a call on SwiftShader. The program changes the rounding, hence the files.
  const tf = await import('@tensorflow/tfjs');
  tf.env().set('WEBGPU_MATMUL_PROGRAM_TYPE', 2); // MatMulProgramType.MatMulSmallOutputSizeProgram
}
const backend = crossBackends.length ? crossBackends[0]! : await setupNodeBackend(args.backend!).catch((e: Error) => fail(e.message));
const { loadModel } = await import('../src/core/io/artifacts');
const { codecModel, decodeFile, decodeImages, encodeFamily, encodeImages } = await import('../src/core/codec/index');
const { readFile: readPrnn, writeImages } = await import('../src/core/codec/format');
const { fileHandler } = await import('./lib/fileIO');
const { hardwareInfo, loadDatasetFromDisk } = await import('./lib/nodeData');
const { png, sameRgb, webpCodec } = await import('./codec-baselines');
const tf = await import('@tensorflow/tfjs');
type PixelModel = import('../src/core/models/pixelModel').PixelModel;
type CodecModel = import('../src/core/codec/index').CodecModel;

function log(msg: string): void {
  process.stderr.write(`${msg}\n`);
}

if (crossBackends.length) {
  if (crossBackends.length < 2) fail('--cross needs two backends or more, e.g. --cross cpu,wasm');
  const { CodecError, encodeImage, decodeImage } = await import('../src/core/codec/index');
  const { readFile } = await import('../src/core/codec/format');
  const equalBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);
  const report: Record<string, unknown>[] = [];
  for (const id of args.models!.split(',').filter(Boolean)) {
    // A copy of the model per backend: tfjs would otherwise move the weights between backends, and
    // reading WebGPU tensors synchronously (as that move does) is impossible in Node.
    const dir = path.join('public', 'models', id);
    const models: Record<string, PixelModel> = {};
    const cms: Record<string, CodecModel> = {};
    for (const b of crossBackends) {
      await tf.setBackend(b);
      models[b] = (await loadModel(fileHandler(dir), path.join(dir, 'model.json')).catch((e: Error) => fail(e.message))).model;
      cms[b] = await codecModel(models[b]!, id);
    }
    const model = models[crossBackends[0]!]!;
    const cfg = model.config;
    const dataName = cfg.output === 'binary' ? 'mnist' : 'emoji32';
    const dataset = await loadDatasetFromDisk(dataName, ['test']);
    const all = cfg.output === 'binary' ? dataset.fixedBinary('test')! : dataset.images('test');
    const per = cfg.height * cfg.width * cfg.channels;
    const n = Math.min(dataset.count('test'), limit ?? 2);
    const images = Array.from({ length: n }, (_, i) => all.slice(i * per, (i + 1) * per));
    // 1. Logits of the first image on every backend (full forward pass): how many are bit-equal, per pair.
    const logits: Record<string, Float32Array> = {};
    for (const b of crossBackends) {
      await tf.setBackend(b);
      const l = tf.tidy(() => models[b]!.logits(tf.tensor4d(images[0]!, [1, cfg.height, cfg.width, cfg.channels], 'float32')));
      logits[b] = (await l.data()) as Float32Array;
      l.dispose();
    }
    const logitsEqual: Record<string, { bitEqualFraction: number; maxAbsDiff: number }> = {};
    for (let i = 0; i < crossBackends.length; i++)
      for (let j = i + 1; j < crossBackends.length; j++) {
        const [a, o] = [logits[crossBackends[i]!]!, logits[crossBackends[j]!]!];
        let same = 0;
        let maxAbsDiff = 0;
        for (let k = 0; k < a.length; k++) {
          if (o[k] === a[k]) same++;
          maxAbsDiff = Math.max(maxAbsDiff, Math.abs(o[k]! - a[k]!));
        }
        logitsEqual[`${crossBackends[i]}-${crossBackends[j]}`] = { bitEqualFraction: same / a.length, maxAbsDiff };
      }
    // 2. Encode on each backend, decode on each other.
    const files: Record<string, Uint8Array[]> = {};
    for (const b of crossBackends) {
      await tf.setBackend(b);
      files[b] = [];
      for (const img of images) files[b]!.push((await encodeImage(cms[b]!, img, { engine: 'tfjs' })).file);
      log(`${id}: encoded ${n} on ${b}`);
    }
    const pairs: Record<string, Record<string, number>> = {};
    for (const e of crossBackends)
      for (const d of crossBackends) {
        await tf.setBackend(d);
        const tally: Record<string, number> = { exact: 0, wrong: 0 };
        for (let i = 0; i < n; i++) {
          try {
            const out = await decodeImage(cms[d]!, files[e]![i]!, { allowOtherBackend: true });
            tally[out.image.every((v, j) => v === images[i]![j]) ? 'exact' : 'wrong']!++;
          } catch (err) {
            if (!(err instanceof CodecError)) throw err;
            tally[err.kind] = (tally[err.kind] ?? 0) + 1;
          }
        }
        pairs[`${e}->${d}`] = tally;
        log(`${id}: made on ${e}, decoded on ${d}: ${JSON.stringify(tally)}`);
      }
    // Same payload = the encoders computed the same tables on every sub-pixel.
    const samePayloads = Object.fromEntries(
      crossBackends.slice(1).map((b) => [`${crossBackends[0]}=${b}`, files[b]!.filter((f, i) => equalBytes(readFile(f).images[0]!.payload, readFile(files[crossBackends[0]!]![i]!).images[0]!.payload)).length]),
    );
    // The JavaScript evaluator (PixelCNNs): its files, made with the model held on each backend, are the same bytes
    // and decode on every backend.
    let jsFiles: { identicalAcrossBackends: number; exactDecodes: number; decodes: number } | undefined;
    if (cms[crossBackends[0]!]!.js) {
      const made: Record<string, Uint8Array[]> = {};
      for (const b of crossBackends) {
        await tf.setBackend(b);
        made[b] = [];
        for (const img of images) made[b]!.push((await encodeImage(cms[b]!, img)).file);
      }
      const first = made[crossBackends[0]!]!;
      jsFiles = { identicalAcrossBackends: first.filter((f, i) => crossBackends.every((b) => equalBytes(made[b]![i]!, f))).length, exactDecodes: 0, decodes: 0 };
      for (const d of crossBackends) {
        await tf.setBackend(d);
        for (let i = 0; i < n; i++) {
          jsFiles.decodes++;
          const out = await decodeImage(cms[d]!, first[i]!);
          if (out.image.every((v, j) => v === images[i]![j])) jsFiles.exactDecodes++;
        }
      }
      log(`${id}: JavaScript-evaluator files: ${JSON.stringify(jsFiles)}`);
    }
    report.push({ model: id, images: n, logitsEqual, identicalPayloads: samePayloads, pairs, ...(jsFiles ? { jsFiles } : {}) });
    console.log(`${id}: ${JSON.stringify({ logitsEqual, pairs })}`);
    for (const b of crossBackends) {
      await tf.setBackend(b);
      models[b]!.dispose();
    }
  }
  console.log(JSON.stringify({ cross: crossBackends, results: report, hardware: await hardwareInfo() }));
  process.exit(0);
}
if (paired !== undefined) {
  const { decodeImage, encodeImage } = await import('../src/core/codec/index');
  const quartiles = (xs: number[]) => {
    const v = [...xs].sort((a, b) => a - b);
    const at = (q: number) => {
      const i = (v.length - 1) * q;
      return v[Math.floor(i)]! + (v[Math.ceil(i)]! - v[Math.floor(i)]!) * (i - Math.floor(i));
    };
    return { median: at(0.5), min: v[0]!, q1: at(0.25), q3: at(0.75), max: v.at(-1)! };
  };
  const report: Record<string, unknown>[] = [];
  for (const id of args.models!.split(',').filter(Boolean)) {
    const dir = path.join('public', 'models', id);
    const { model } = await loadModel(fileHandler(dir), path.join(dir, 'model.json')).catch((e: Error) => fail(e.message));
    const cfg = model.config;
    const dataName = cfg.output === 'binary' ? 'mnist' : 'emoji32';
    const dataset = await loadDatasetFromDisk(dataName, ['test']);
    const all = cfg.output === 'binary' ? dataset.fixedBinary('test')! : dataset.images('test');
    const per = cfg.height * cfg.width * cfg.channels;
    const n = Math.min(dataset.count('test'), paired);
    const images = Array.from({ length: n }, (_, i) => all.slice(i * per, (i + 1) * per));
    const cm = await codecModel(model, id);
    const engines = cm.js ? (['tfjs', 'js'] as const) : (['tfjs'] as const);
    const files: Record<string, Uint8Array[]> = { tfjs: [], js: [] };
    for (const img of images) for (const e of engines) files[e]!.push((await encodeImage(cm, img, { engine: e === 'js' ? 'auto' : 'tfjs' })).file);
    log(`${id}: ${n} ${dataName} test images encoded with ${engines.join(' and ')}; decoding each alone with each, alternating`);
    const wall: Record<string, number[]> = { tfjs: [], js: [] };
    const cpu: Record<string, number[]> = { tfjs: [], js: [] };
    let exact = true;
    for (let i = 0; i < n; i++) {
      const order = i % 2 === 0 ? engines : [...engines].reverse();
      for (const e of order) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        const d = await decodeImage(cm, files[e]![i]!);
        wall[e]!.push(performance.now() - t0);
        const c = process.cpuUsage(c0);
        cpu[e]!.push((c.user + c.system) / 1000);
        exact &&= d.image.every((v, j) => v === images[i]![j]);
      }
      log(`  ${i + 1}/${n}: ${engines.map((e) => `${e} ${wall[e]!.at(-1)!.toFixed(0)} ms (cpu ${cpu[e]!.at(-1)!.toFixed(0)})`).join(', ')}`);
    }
    const round = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Math.round(v)]));
    const r: Record<string, unknown> = { model: id, arch: cfg.arch, images: n, backend, roundTripExact: exact };
    for (const e of engines) r[e === 'js' ? 'jsDecode' : 'tfjsDecode'] = { wallMs: round(quartiles(wall[e]!)), cpuMs: round(quartiles(cpu[e]!)) };
    if (cm.js) {
      r.speedupMedian = quartiles(wall.tfjs!.map((t, i) => t / wall.js![i]!)).median;
      r.cpuSpeedupMedian = quartiles(cpu.tfjs!.map((t, i) => t / cpu.js![i]!)).median;
    }
    console.log(`${id}: ${JSON.stringify(r)}`);
    report.push(r);
    model.dispose();
  }
  console.log(JSON.stringify({ paired: report, loadAverage: (await import('node:os')).loadavg(), hardware: await hardwareInfo() }));
  process.exit(report.every((r) => r.roundTripExact) ? 0 : 1);
}

const webp = await webpCodec();

const results: Record<string, unknown>[] = [];
for (const id of args.models!.split(',').filter(Boolean)) {
  // 1. Model and images.
  const dir = path.join('public', 'models', id);
  const { model, card } = await loadModel(fileHandler(dir), path.join(dir, 'model.json')).catch((e: Error) => fail(e.message));
  const cfg = model.config;
  const dataName = card.dataset?.name ?? (cfg.output === 'binary' ? 'mnist' : 'emoji32');
  const dataset = await loadDatasetFromDisk(dataName, ['test']);
  const all = cfg.output === 'binary' ? dataset.fixedBinary('test') : dataset.images('test');
  if (!all) fail(`${dataName}: the test split has no fixed binarisation`);
  const per = cfg.height * cfg.width * cfg.channels;
  const n = Math.min(dataset.count('test'), limit ?? DEFAULT_COUNT[dataName] ?? Infinity);
  const images = Array.from({ length: n }, (_, i) => all.slice(i * per, (i + 1) * per));
  const cm = await codecModel(model, id);
  const family = encodeFamily(cm, engine);
  log(`${id}: ${n} ${dataName} test images of ${cfg.width}×${cfg.height}×${cfg.channels}, batches of ${batch}, ${family === 'js' ? 'the JavaScript evaluator' : backend}`);

  // 2. Encode batch by batch: one file per image, and one file of them all from the same coded data.
  const files: Uint8Array[] = [];
  const coded: Array<{ pixelCrcHigh: number; payload: Uint8Array }> = [];
  let shared: Parameters<typeof writeImages>[0] | null = null;
  let nllBits = 0;
  let payloadBytes = 0;
  let t = performance.now();
  for (let i = 0; i < n; i += batch) {
    for (const r of await encodeImages(cm, images.slice(i, i + batch), { engine })) {
      files.push(r.file);
      coded.push({ pixelCrcHigh: r.header.pixelCrcHigh, payload: r.payload });
      const { pixelCrcHigh: _, version: __, ...h } = r.header;
      shared ??= h;
      nllBits += r.nllBits;
      payloadBytes += r.payloadBytes;
    }
    log(`  encoded ${files.length}/${n}`);
  }
  const encodeMs = performance.now() - t;
  const oneFile = writeImages(shared!, coded);
  const inOne = readPrnn(oneFile).images;
  const samePayloads = files.every((f, i) => {
    const a = readPrnn(f).images[0]!.payload;
    const b = inOne[i]!.payload;
    return a.length === b.length && a.every((x, j) => x === b[j]);
  });
  if (!samePayloads) fail(`${id}: the one file's coded data differs from the per-image files'`);
  // 3. Decode the one file, batch by batch (the per-image files hold the same coded bytes: checked above).
  let exact = true;
  t = performance.now();
  let shown = 0;
  const decodedAll = await decodeFile(cm, oneFile, {
    batch,
    onProgress: (done, total) => {
      const k = Math.floor((done / total) * n);
      if (k >= shown + batch || done === total) log(`  decoded ${(shown = k)}/${n}`);
    },
  });
  decodedAll.images.forEach((d) => (exact &&= d.index < n && d.image.every((v, j) => v === images[d.index]![j])));
  exact &&= decodedAll.images.length === n;
  if (!exact) log('  (MISMATCH)');
  const decodeMs = performance.now() - t;
  // the last image alone out of the one file: each image decodes without the others
  const [alone] = (await decodeFile(cm, oneFile, { only: [n - 1] })).images;
  const aloneExact = alone!.image.every((v, j) => v === images[n - 1]![j]);
  // 4. One at a time, as the command line decodes: the batch must not have changed a bit.
  let singleExact = true;
  let singleMs = 0;
  const m = Math.min(single, n);
  for (let i = 0; i < m; i++) {
    const t1 = performance.now();
    const [d] = await decodeImages(cm, [files[i]!]);
    singleMs += performance.now() - t1;
    singleExact &&= d!.image.every((v, j) => v === images[i]![j]);
  }

  // 5. PNG and WebP lossless on the same images.
  const baselines: Record<string, { fileBitsPerDim: number; bytesPerImage: number }> = {};
  for (const codec of [png, webp]) {
    let bytes = 0;
    for (const img of images) {
      const rgba = new Uint8ClampedArray(cfg.height * cfg.width * 4).fill(255);
      for (let p = 0; p < cfg.height * cfg.width; p++)
        if (cfg.channels === 3) rgba.set(img.subarray(p * 3, p * 3 + 3), p * 4);
        else rgba.fill(img[p]! * (cfg.output === 'binary' ? 255 : 1), p * 4, p * 4 + 3);
      const coded = await codec.encode(rgba, cfg.width, cfg.height);
      if (!sameRgb(await codec.decode(coded), rgba)) fail(`${codec.name} did not round-trip`);
      bytes += coded.length;
    }
    baselines[codec.name.startsWith('PNG') ? 'png' : 'webp'] = { fileBitsPerDim: (8 * bytes) / (n * per), bytesPerImage: bytes / n };
  }

  const dims = n * per;
  const fileBytes = files.reduce((s, f) => s + f.length, 0);
  const r = {
    model: id,
    dataset: dataName,
    split: 'test',
    images: n,
    dims,
    family,
    fileBitsPerDim: (8 * fileBytes) / dims,
    payloadBitsPerDim: (8 * payloadBytes) / dims,
    nllBitsPerDim: nllBits / dims,
    overheadPct: (100 * (8 * fileBytes - nllBits)) / nllBits,
    payloadOverheadPct: (100 * (8 * payloadBytes - nllBits)) / nllBits,
    bytesPerImage: fileBytes / n,
    encodeMsPerImage: encodeMs / n,
    decodeMsPerImage: decodeMs / n,
    batch,
    roundTripExact: exact,
    singleDecodes: m,
    singleDecodeExact: singleExact,
    singleDecodeMsPerImage: m ? singleMs / m : null,
    png: baselines.png,
    webp: baselines.webp,
    fileToWebp: (8 * fileBytes) / dims / baselines.webp!.fileBitsPerDim,
    oneFile: {
      bytes: oneFile.length,
      bitsPerDim: (8 * oneFile.length) / dims,
      overheadPercent: (100 * (8 * oneFile.length - nllBits)) / nllBits,
      headerAndFramingBytes: oneFile.length - payloadBytes,
      toWebp: (8 * oneFile.length) / dims / baselines.webp!.fileBitsPerDim,
      roundTripExact: exact,
      lastImageAloneExact: aloneExact,
    },
  };
  results.push(r);
  const f3 = (x: number) => x.toFixed(3);
  console.log(
    `${id} (${n} ${dataName} test images, ${family === 'js' ? 'JavaScript evaluator' : backend}): file ${f3(r.fileBitsPerDim)} bits/dim, payload ${f3(r.payloadBitsPerDim)}, model NLL ${f3(r.nllBitsPerDim)} ` +
      `(overhead ${r.overheadPct.toFixed(2)}% file, ${r.payloadOverheadPct.toFixed(2)}% payload); PNG ${f3(r.png!.fileBitsPerDim)}, WebP lossless ${f3(r.webp!.fileBitsPerDim)} ` +
      `(file/WebP ${r.fileToWebp.toFixed(3)}); encode ${r.encodeMsPerImage.toFixed(0)} ms/image, decode ${r.decodeMsPerImage.toFixed(0)} ms/image (batch ${batch}), ` +
      `${m ? `decode alone ${r.singleDecodeMsPerImage!.toFixed(0)} ms/image; ` : ''}round trip ${exact && singleExact ? 'exact' : 'NOT EXACT'}; ` +
      `all ${n} in one file: ${r.oneFile.bytes} bytes = ${f3(r.oneFile.bitsPerDim)} bits/dim (overhead ${r.oneFile.overheadPercent.toFixed(2)}%, file/WebP ${r.oneFile.toWebp.toFixed(3)}), ` +
      `last image decoded alone ${aloneExact ? 'exact' : 'NOT EXACT'}`,
  );
  model.dispose();
}
console.log(JSON.stringify({ backend, results, hardware: await hardwareInfo() }));
process.exit(results.every((r) => r.roundTripExact && r.singleDecodeExact && (r.oneFile as { lastImageAloneExact: boolean }).lastImageAloneExact) ? 0 : 1);
