/**
 * Lossless image compression with a model (.prnn files): src/core/codec/ on the command line.
 *
 *   npm run codec -- encode <image.png | folder>… <out.prnn> --model <id | model dir> [--backend cpu|wasm|webgpu]
 *   npm run codec -- decode <in.prnn> <out.png | folder> [--only 1,3] [--model <id | model dir>] [--backend …]
 *   npm run codec -- info <in.prnn>
 *
 * encode takes one or more PNGs (a folder stands for its .png files, by name) and writes one file: one image
 * as format version 1, several as version 2 (one header for all: src/core/codec/format.ts); the order of the
 * inputs is the order of the images in the file (file names are not stored). decode writes one image to the
 * PNG named, or, given a folder (made if needed), every image as <folder>/<file name>-001.png, -002.png, …;
 * a file of several images needs a folder, or --only with one number. --only picks images (1-based). A file
 * of several images cut short (a broken download) still gives the images stored whole before the cut, each
 * checked against its own pixel CRC; decode then says what is lost and exits with code 3 (refusals: code 2).
 *
 * --model takes a shipped model's id (public/models/<id>/) or a folder holding model.json + weights.bin
 * (its folder name is then the id written in the file). Encoding uses the codec's default engine: the
 * portable JavaScript evaluator for PixelCNNs (files of family "js", which decode anywhere; the fastest
 * here), tfjs on wasm for the other architectures; --backend asks for the tfjs path on that backend instead.
 * Decoding finds the model from the file's id when --model is not given; a tfjs file decodes on the backend
 * it was made on unless --backend says otherwise (such files decode only on the backend family that made
 * them: see README, "Lossless compression"), a "js" file on any.
 *
 * The images must have the model's size (e.g. 32×32 for Emoji-32, 28×28 for MNIST): nothing is resized, since
 * the file must restore exactly these PNGs' pixels. RGB models take opaque PNGs; binary models take
 * black-and-white PNGs (every pixel 0 or 255). The last line of encode and decode is one JSON object.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { PNG } from 'pngjs';
import { setupNodeBackend } from './lib/nodeBackend';

const HELP = `Usage:
  codec encode <image.png | folder>... <out.prnn> --model <id | model dir> [--backend cpu|wasm|webgpu]
      one image or more (a folder: its .png files, by name) into one .prnn file, in the order given
  codec decode <in.prnn> <out.png | folder> [--only 1,3] [--model <id | model dir>] [--backend cpu|wasm|webgpu]
      a file of one image: to out.png (or into a folder); of several: into the folder (made if needed) as
      <name>-001.png, <name>-002.png, ...; --only picks images by number (1-based; one image may go to a .png)
  codec info <in.prnn>
      the header and the images the file holds`;

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    model: { type: 'string' },
    backend: { type: 'string' },
    only: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(HELP);
  process.exit(0);
}
function fail(msg: string): never {
  console.error(`codec: ${msg}`);
  process.exit(2);
}
const [command, ...rest] = positionals;
const IMAGE_EXT = /\.(png|jpe?g|webp|gif|avif|bmp)$/i;
let inputs: string[] = [];
let input: string | undefined;
let output: string | undefined;
if (command === 'info') {
  input = rest[0];
  if (!input) fail(`info needs a .prnn file\n${HELP}`);
} else if (command === 'encode') {
  if (rest.length < 2) fail(`encode needs one image or more and the .prnn file to write\n${HELP}`);
  inputs = rest.slice(0, -1);
  output = rest.at(-1)!;
  input = inputs.join(', ');
  // `encode a.png b.png` would otherwise overwrite b.png with a .prnn file
  if (IMAGE_EXT.test(output)) fail(`the last argument, ${output}, is the .prnn file to write, but it looks like an image: name the output file last (e.g. out.prnn)`);
} else if (command === 'decode') {
  if (rest.length !== 2) fail(`decode needs a .prnn file and an output (a .png, or a folder)\n${HELP}`);
  [input, output] = rest;
} else fail(`${command ? `unknown command "${command}"` : 'no command'}\n${HELP}`);

const { CodecError, readHeader } = await import('../src/core/codec/index');
const { hex } = await import('../src/core/codec/hash');

async function readBytes(p: string): Promise<Uint8Array> {
  try {
    const b = await fs.readFile(p);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    return fail(`${p}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
}

/** "emoji32-pixelcnn" → public/models/emoji32-pixelcnn; a folder with model.json → itself. */
async function resolveModel(spec: string): Promise<{ dir: string; id: string }> {
  const exists = (p: string) => fs.access(p).then(() => true, () => false);
  if (await exists(path.join(spec, 'model.json'))) return { dir: spec, id: path.basename(path.resolve(spec)) };
  const shipped = path.join('public', 'models', spec);
  if (await exists(path.join(shipped, 'model.json'))) return { dir: shipped, id: spec };
  return fail(`no model "${spec}": give a shipped model's id (a folder of public/models/) or a folder holding model.json`);
}

function header(bytes: Uint8Array, file: string, salvage = false) {
  try {
    return readHeader(bytes, { salvage });
  } catch (e) {
    return fail(`${file}: ${(e as Error).message}`);
  }
}

if (command === 'info') {
  const bytes = await readBytes(input!);
  header(bytes, input!); // refuses a damaged file with its message
  const { readFile } = await import('../src/core/codec/format');
  const f = readFile(bytes);
  const dims = f.header.height * f.header.width * f.header.channels;
  const list = f.images.map((im, k) => ({ image: k + 1, payloadBytes: im.payload.length, payloadBitsPerDim: (8 * im.payload.length) / dims }));
  if (process.stdout.isTTY || f.images.length > 1)
    console.log(
      `${input}: ${bytes.length} bytes, format version ${f.header.version}, ${f.images.length} ${f.header.width}×${f.header.height} ${f.header.output === 'binary' ? 'black-and-white' : 'RGB'} image${f.images.length === 1 ? '' : 's'} ` +
        `of the model "${f.header.modelId}" (${f.header.backend === 'js' ? 'JavaScript evaluator: decodes on any backend' : `decodes on ${f.header.backend}`}); ` +
        `${bytes.length - f.images.reduce((s, im) => s + im.payload.length, 0)} bytes of header and framing\n` +
        list.map((l) => `  image ${l.image}: ${l.payloadBytes} bytes of coded data = ${l.payloadBitsPerDim.toFixed(3)} bits/dim`).join('\n'),
    );
  console.log(JSON.stringify({ ...f.header, fingerprint: hex(f.header.fingerprint), bytes: bytes.length, list }));
  process.exit(0);
}

// 1. The backend: for decoding, the file's own unless told otherwise.
const fileBytes = command === 'decode' ? await readBytes(input!) : null;
// (a multi-image file cut short decodes the images stored whole before the cut: see the end of run())
const fileHeader = fileBytes ? header(fileBytes, input!, true) : null;
// (a "js" file, or an encode on the default engine, loads the model on wasm: any backend would do)
const tfjsBackend = fileHeader && fileHeader.backend !== 'js' ? fileHeader.backend : 'wasm';

// Which images to decode (--only, 1-based) and where they go, checked before any model is loaded.
let only: number[] | undefined;
let toFolder = false;
if (command === 'decode') {
  const count = fileHeader!.images;
  if (args.only !== undefined) {
    only = args.only.split(',').map((v) => {
      const k = Number(v.trim());
      if (!Number.isInteger(k) || k < 1 || k > count) fail(`--only ${args.only}: ${input} holds image${count === 1 ? ' 1' : `s 1 to ${count}`}`);
      return k - 1;
    });
  }
  const isDir = await fs.stat(output!).then((st) => st.isDirectory(), () => false);
  toFolder = isDir || /[\\/]$/.test(output!) || !/\.png$/i.test(output!);
  if (!toFolder && (only ?? Array.from({ length: count })).length > 1)
    fail(`${input} holds ${count} images${only ? ` (${only.length} asked)` : ''}: give a folder to write them into (e.g. ${path.join(path.dirname(output!), path.basename(output!, path.extname(output!)))}/), or one image with --only`);
}
const backend = await setupNodeBackend(args.backend ?? tfjsBackend).catch((e: Error) => fail(e.message));

// 2. The model.
const spec = args.model ?? fileHeader?.modelId ?? fail('encode needs --model <id | model dir>');
const { dir, id } = await resolveModel(spec);
const { loadModel } = await import('../src/core/io/artifacts');
const { fileHandler } = await import('./lib/fileIO');
const { codecModel, decodeFile, encodeFile } = await import('../src/core/codec/index');
const { model } = await loadModel(fileHandler(dir), path.join(dir, 'model.json')).catch((e: Error) => fail(e.message));
const cfg = model.config;
const cm = await codecModel(model, id).catch((e: Error) => fail(e.message));
const binary = cfg.output === 'binary';
const dims = cfg.height * cfg.width * cfg.channels;

function progress(done: number, total: number): void {
  if (process.stderr.isTTY && (done % 64 === 0 || done === total)) process.stderr.write(`\r${command} ${done}/${total} sub-pixels`);
}

/** The encode inputs: files as given, a folder as its .png files sorted by name. */
async function imageFiles(): Promise<string[]> {
  const out: string[] = [];
  for (const p of inputs) {
    const st = await fs.stat(p).catch(() => fail(`${p}: no such file or folder`));
    if (!st.isDirectory()) out.push(p);
    else {
      const pngs = (await fs.readdir(p)).filter((n) => /\.png$/i.test(n)).sort();
      if (!pngs.length) fail(`${p}: a folder with no .png file in it`);
      out.push(...pngs.map((n) => path.join(p, n)));
    }
  }
  return out;
}

/** PNG → [H,W,C] sub-pixels, refusing what the model cannot restore exactly. */
function pixels(file: string, bytes: Uint8Array): Uint8Array {
  let png: PNG;
  try {
    png = PNG.sync.read(Buffer.from(bytes));
  } catch (e) {
    return fail(`${file}: not a readable PNG (${(e as Error).message})`);
  }
  if (png.width !== cfg.width || png.height !== cfg.height)
    fail(`${file} is ${png.width}×${png.height}, but the model "${id}" codes ${cfg.width}×${cfg.height} images only: crop or resize it first (the app's Compress tab does this for you)`);
  const image = new Uint8Array(dims);
  for (let p = 0; p < cfg.width * cfg.height; p++) {
    const [r, g, b, a] = png.data.subarray(p * 4, p * 4 + 4);
    const where = `pixel (${p % cfg.width}, ${Math.floor(p / cfg.width)})`;
    if (a !== 255) fail(`${file}: ${where} is not opaque (alpha ${a}); a .prnn file stores ${binary ? 'black and white' : 'RGB'} only: flatten the image onto a background first`);
    if (binary) {
      if (r !== g || g !== b || (r !== 0 && r !== 255))
        fail(`${file}: ${where} is (${r}, ${g}, ${b}); the binary model "${id}" codes black-and-white images only (every pixel 0 or 255): binarise it first`);
      image[p] = r === 255 ? 1 : 0;
    } else image.set([r!, g!, b!], p * 3);
  }
  return image;
}

async function run(): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  if (command === 'encode') {
    // 3. PNGs → sub-pixels → one file.
    const files = await imageFiles();
    let pngBytes = 0;
    const images: Uint8Array[] = [];
    for (const f of files) {
      const bytes = await readBytes(f);
      pngBytes += bytes.length;
      images.push(pixels(f, bytes));
    }
    const enc = await encodeFile(cm, images, { onProgress: progress, engine: args.backend ? 'tfjs' : 'auto' });
    const family = enc.images[0]!.header.backend;
    const on = family === 'js' ? 'the JavaScript evaluator (decodes on any backend)' : family;
    await fs.writeFile(output!, enc.file);
    const ms = performance.now() - t0;
    const n = images.length;
    const payloadBytes = enc.images.reduce((s, r) => s + r.payloadBytes, 0);
    const nllBits = enc.images.reduce((s, r) => s + r.nllBits, 0);
    if (process.stderr.isTTY) process.stderr.write('\n');
    console.log(
      `${output}: ${n === 1 ? '' : `${n} images, `}${enc.file.length} bytes = ${((8 * enc.file.length) / (n * dims)).toFixed(3)} bits/dim (payload ${payloadBytes} bytes; model NLL ${(nllBits / 8).toFixed(1)} bytes = ${(nllBits / (n * dims)).toFixed(3)} bits/dim); ` +
        `PNG input${n === 1 ? '' : 's'} ${pngBytes} bytes; ${(ms / 1000).toFixed(2)} s on ${on}`,
    );
    return {
      command,
      input: n === 1 ? files[0] : files,
      output,
      model: id,
      backend: family,
      images: n,
      version: enc.file[4],
      bytes: enc.file.length,
      payloadBytes,
      fileBitsPerDim: (8 * enc.file.length) / (n * dims),
      nllBitsPerDim: nllBits / (n * dims),
      pngBytes,
      ms: Math.round(ms),
    };
  }
  // 4. A file → its images (each checked against its own pixel CRC) → PNGs.
  const dec = await decodeFile(cm, fileBytes!, { onProgress: progress, only, salvage: true });
  const count = dec.truncated?.total ?? dec.header.images; // a file cut short keeps its images' numbers
  if (toFolder) await fs.mkdir(output!, { recursive: true });
  const base = path.basename(input!, path.extname(input!));
  const digits = Math.max(3, String(count).length);
  const written: string[] = [];
  for (const d of dec.images) {
    const png = new PNG({ width: cfg.width, height: cfg.height, colorType: binary ? 0 : 2, inputColorType: binary ? 0 : 2, inputHasAlpha: false });
    png.data = Buffer.from(binary ? d.image.map((v) => v * 255) : d.image);
    const to = toFolder ? path.join(output!, count === 1 ? `${base}.png` : `${base}-${String(d.index + 1).padStart(digits, '0')}.png`) : output!;
    await fs.writeFile(to, PNG.sync.write(png, { colorType: binary ? 0 : 2, inputColorType: binary ? 0 : 2, inputHasAlpha: false }));
    written.push(to);
  }
  const ms = performance.now() - t0;
  const n = dec.images.length;
  if (process.stderr.isTTY) process.stderr.write('\n');
  console.log(
    `${n === 1 ? written[0] : `${output} (${n} images: ${path.basename(written[0]!)} … ${path.basename(written.at(-1)!)})`}: ${cfg.width}×${cfg.height} ${binary ? 'black-and-white' : 'RGB'} ` +
      `image${n === 1 ? '' : 's'} restored from ${input}${count > 1 ? ` (${count} in the file)` : ''} (pixel checksum${n === 1 ? '' : 's'} verified); ` +
      `${(ms / 1000).toFixed(2)} s on ${dec.header.backend === 'js' ? 'the JavaScript evaluator' : backend}`,
  );
  const result = { command, input, output: n === 1 ? written[0] : written, model: id, backend: dec.header.backend === 'js' ? 'js' : backend, images: n, ms: Math.round(ms), checksum: 'ok' };
  if (!dec.truncated) return result;
  // Cut short: what was whole is written (each image checked), the loss is said, and the exit code is 3.
  const { total, message } = dec.truncated;
  const whole = dec.header.images;
  console.error(`codec: ${input}: ${message}; wrote ${n === whole ? 'every image' : `${n} of the ${whole} images`} stored whole; ${total - whole} of ${total} are lost`);
  partial = true;
  return { ...result, truncated: { total, whole } };
}

let partial = false;

try {
  console.log(JSON.stringify(await run()));
} catch (e) {
  if (process.stderr.isTTY) process.stderr.write('\n');
  fail(e instanceof CodecError ? `${input}: ${e.message}` : (e as Error).stack ?? String(e));
}
model.dispose();
process.exit(partial ? 3 : 0);
