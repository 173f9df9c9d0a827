/**
 * Lossless image compression with a model (.prnn files): src/core/codec/ on the command line.
 *
 *   npm run codec -- encode <image.png> <out.prnn> --model <id | model dir> [--backend cpu|wasm|webgpu]
 *   npm run codec -- decode <in.prnn> <out.png> [--model <id | model dir>] [--backend …]
 *   npm run codec -- info <in.prnn>
 *
 * --model takes a shipped model's id (public/models/<id>/) or a folder holding model.json + weights.bin
 * (its folder name is then the id written in the file). Encoding uses the codec's default engine: the
 * portable JavaScript evaluator for PixelCNNs (files of family "js", which decode anywhere; the fastest
 * here), tfjs on wasm for the other architectures; --backend asks for the tfjs path on that backend instead.
 * Decoding finds the model from the file's id when --model is not given; a tfjs file decodes on the backend
 * it was made on unless --backend says otherwise (such files decode only on the backend family that made
 * them: see README, "Lossless compression"), a "js" file on any.
 *
 * The image must have the model's size (e.g. 32×32 for Emoji-32, 28×28 for MNIST): nothing is resized, since
 * the file must restore exactly this PNG's pixels. RGB models take opaque PNGs; binary models take
 * black-and-white PNGs (every pixel 0 or 255). The last line of encode and decode is one JSON object.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { PNG } from 'pngjs';
import { setupNodeBackend } from './lib/nodeBackend';

const HELP = `Usage:
  codec encode <image.png> <out.prnn> --model <id | model dir> [--backend cpu|wasm|webgpu]
  codec decode <in.prnn> <out.png> [--model <id | model dir>] [--backend cpu|wasm|webgpu]
  codec info <in.prnn>`;

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    model: { type: 'string' },
    backend: { type: 'string' },
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
const [command, input, output] = positionals;
if (command === 'info') {
  if (!input) fail(`info needs a .prnn file\n${HELP}`);
} else if (command !== 'encode' && command !== 'decode') fail(`${command ? `unknown command "${command}"` : 'no command'}\n${HELP}`);
else if (!input || !output) fail(`${command} needs an input and an output file\n${HELP}`);

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

function header(bytes: Uint8Array, file: string) {
  try {
    return readHeader(bytes);
  } catch (e) {
    return fail(`${file}: ${(e as Error).message}`);
  }
}

if (command === 'info') {
  const h = header(await readBytes(input!), input!);
  console.log(JSON.stringify({ ...h, fingerprint: hex(h.fingerprint) }));
  process.exit(0);
}

// 1. The backend: for decoding, the file's own unless told otherwise.
const fileBytes = command === 'decode' ? await readBytes(input!) : null;
const fileHeader = fileBytes ? header(fileBytes, input!) : null;
// (a "js" file, or an encode on the default engine, loads the model on wasm: any backend would do)
const tfjsBackend = fileHeader && fileHeader.backend !== 'js' ? fileHeader.backend : 'wasm';
const backend = await setupNodeBackend(args.backend ?? tfjsBackend).catch((e: Error) => fail(e.message));

// 2. The model.
const spec = args.model ?? fileHeader?.modelId ?? fail('encode needs --model <id | model dir>');
const { dir, id } = await resolveModel(spec);
const { loadModel } = await import('../src/core/io/artifacts');
const { fileHandler } = await import('./lib/fileIO');
const { codecModel, decodeImage, encodeImage } = await import('../src/core/codec/index');
const { model } = await loadModel(fileHandler(dir), path.join(dir, 'model.json')).catch((e: Error) => fail(e.message));
const cfg = model.config;
const cm = await codecModel(model, id).catch((e: Error) => fail(e.message));
const binary = cfg.output === 'binary';
const dims = cfg.height * cfg.width * cfg.channels;

function progress(done: number, total: number): void {
  if (process.stderr.isTTY && (done % 64 === 0 || done === total)) process.stderr.write(`\r${command} ${done}/${total} sub-pixels`);
}

async function run(): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  if (command === 'encode') {
    // 3. PNG → [H,W,C] sub-pixels, refusing what the model cannot restore exactly.
    const bytes = await readBytes(input!);
    let png: PNG;
    try {
      png = PNG.sync.read(Buffer.from(bytes));
    } catch (e) {
      return fail(`${input}: not a readable PNG (${(e as Error).message})`);
    }
    if (png.width !== cfg.width || png.height !== cfg.height)
      fail(`${input} is ${png.width}×${png.height}, but the model "${id}" codes ${cfg.width}×${cfg.height} images only: crop or resize it first (the app's Compress tab does this for you)`);
    const image = new Uint8Array(dims);
    for (let p = 0; p < cfg.width * cfg.height; p++) {
      const [r, g, b, a] = png.data.subarray(p * 4, p * 4 + 4);
      const where = `pixel (${p % cfg.width}, ${Math.floor(p / cfg.width)})`;
      if (a !== 255) fail(`${input}: ${where} is not opaque (alpha ${a}); a .prnn file stores ${binary ? 'black and white' : 'RGB'} only: flatten the image onto a background first`);
      if (binary) {
        if (r !== g || g !== b || (r !== 0 && r !== 255))
          fail(`${input}: ${where} is (${r}, ${g}, ${b}); the binary model "${id}" codes black-and-white images only (every pixel 0 or 255): binarise it first`);
        image[p] = r === 255 ? 1 : 0;
      } else image.set([r!, g!, b!], p * 3);
    }
    const enc = await encodeImage(cm, image, { onProgress: progress, engine: args.backend ? 'tfjs' : 'auto' });
    const on = enc.header.backend === 'js' ? 'the JavaScript evaluator (decodes on any backend)' : enc.header.backend;
    await fs.writeFile(output!, enc.file);
    const ms = performance.now() - t0;
    if (process.stderr.isTTY) process.stderr.write('\n');
    console.log(
      `${output}: ${enc.file.length} bytes = ${((8 * enc.file.length) / dims).toFixed(3)} bits/dim (payload ${enc.payloadBytes} bytes; model NLL ${(enc.nllBits / 8).toFixed(1)} bytes = ${(enc.nllBits / dims).toFixed(3)} bits/dim); PNG input ${bytes.length} bytes; ${(ms / 1000).toFixed(2)} s on ${on}`,
    );
    return { command, input, output, model: id, backend: enc.header.backend, bytes: enc.file.length, payloadBytes: enc.payloadBytes, fileBitsPerDim: (8 * enc.file.length) / dims, nllBitsPerDim: enc.nllBits / dims, pngBytes: bytes.length, ms: Math.round(ms) };
  }
  const dec = await decodeImage(cm, fileBytes!, { onProgress: progress });
  const png = new PNG({ width: cfg.width, height: cfg.height, colorType: binary ? 0 : 2, inputColorType: binary ? 0 : 2, inputHasAlpha: false });
  png.data = Buffer.from(binary ? dec.image.map((v) => v * 255) : dec.image);
  await fs.writeFile(output!, PNG.sync.write(png, { colorType: binary ? 0 : 2, inputColorType: binary ? 0 : 2, inputHasAlpha: false }));
  const ms = performance.now() - t0;
  if (process.stderr.isTTY) process.stderr.write('\n');
  console.log(`${output}: ${cfg.width}×${cfg.height} ${binary ? 'black-and-white' : 'RGB'} image restored from ${input} (pixel checksum verified); ${(ms / 1000).toFixed(2)} s on ${dec.header.backend === 'js' ? 'the JavaScript evaluator' : backend}`);
  return { command, input, output, model: id, backend: dec.header.backend === 'js' ? 'js' : backend, ms: Math.round(ms), checksum: 'ok' };
}

try {
  console.log(JSON.stringify(await run()));
} catch (e) {
  if (process.stderr.isTTY) process.stderr.write('\n');
  fail(e instanceof CodecError ? `${input}: ${e.message}` : (e as Error).stack ?? String(e));
}
model.dispose();
process.exit(0);
