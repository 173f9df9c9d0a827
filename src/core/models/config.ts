/**
 * Typed configuration of every model in the project (SPEC.md §3–4).
 * A config is plain JSON: it is stored in model.json next to the weights and fully determines the graph.
 */

import presetFile from './presets.json';

/** 'gated': the Gated PixelCNN (vertical and horizontal stacks, gated activations; no blind spot). */
export type Arch = 'pixelcnn' | 'rowlstm' | 'diagonal' | 'gated';

/** Every architecture, in the order they were added. */
export const ARCHS: readonly Arch[] = ['pixelcnn', 'rowlstm', 'diagonal', 'gated'];

/** 'binary': one sigmoid logit per sub-pixel (binarised MNIST). 'softmax256': a 256-way softmax per colour. */
export type OutputKind = 'binary' | 'softmax256';

export interface ConditionConfig {
  /** Side of the small (subsampled) image the conditional model is given, e.g. 16 for a 32×32 target. */
  smallHeight: number;
  smallWidth: number;
  /** Channels c of the upsampled conditioning map c × n × n (SPEC.md §3, Multi-Scale PixelRNN). */
  mapChannels: number;
}

export interface ModelConfig {
  arch: Arch;
  height: number;
  width: number;
  /** 1 for grey or binary images (one colour group), 3 for RGB (groups R, G, B). */
  channels: 1 | 3;
  output: OutputKind;
  /**
   * Number of residual layers after the first 7×7 mask-A convolution (Row LSTM, Diagonal BiLSTM or conv block);
   * for 'gated', gated layers (kernel 3) after the first gated layer (kernel firstKernel, mask A).
   */
  layers: number;
  /** h: the recurrent state size per gate; residual stream carries 2h features ('gated': both stacks carry 2h). */
  hidden: number;
  /** Width of the two-layer ReLU → 1×1 head (the paper: 32 for MNIST, 1024 for CIFAR-10). */
  headWidth: number;
  /** Kernel of the first, mask-A convolution (the paper: 7); for 'gated', of the first gated layer's stacks. */
  firstKernel: number;
  /** Residual connections around every layer (the paper uses them). */
  residual: boolean;
  /** Learnable 1×1 skip connections from every layer to the head (the paper uses them). */
  skip: boolean;
  /** Present only for the conditional half of a Multi-Scale PixelRNN (not for 'gated'). */
  condition?: ConditionConfig;
  /**
   * Class-conditional Gated PixelCNN only: the number of classes K. Each image is given a class in [0, K) or
   * "none" (index K, a learned null class: the model's unconditional p(x)); every gated layer adds a learned
   * per-class bias ([K+1, 4h] tables `<layer>/v/class`, `<layer>/h/class`) to both stacks' gate
   * pre-activations. The class names live in the dataset manifest (classNames) and on the model's card.
   */
  classes?: number;
  /** Seed of the weight initialisation: the same config and seed give the same initial weights. */
  seed: number;
}

/** The class index meaning "no class" (the learned null class) of a class-conditional config: K. */
export function noneClass(config: Pick<ModelConfig, 'classes'>): number {
  if (!config.classes) throw new Error('this model takes no class');
  return config.classes;
}

/** Number of values one sub-pixel can take: 2 for binary, 256 otherwise. */
export function categories(config: Pick<ModelConfig, 'output'>): number {
  return config.output === 'binary' ? 2 : 256;
}

/** Sub-pixels (dimensions) of one image: n · n · channels. */
export function dims(config: Pick<ModelConfig, 'height' | 'width' | 'channels'>): number {
  return config.height * config.width * config.channels;
}

/**
 * Sane limits of a config, checked before anything is allocated (an imported model.json could otherwise ask
 * for a huge model). In presets.json, shared with the PyTorch trainer.
 */
export const LIMITS: Readonly<Record<'height' | 'width' | 'layers' | 'hidden' | 'headWidth' | 'firstKernel' | 'mapChannels' | 'classes' | 'parameters', number>> =
  presetFile.limits;

/** Number of trainable parameters of a config, computed from its shape alone (equals PixelModel.params.count()). */
export function parameterCount(c: ModelConfig): number {
  const { channels: C, hidden: h, headWidth: hw, firstKernel: k, layers } = c;
  const K = categories(c) === 2 ? 1 : 256;
  const map = c.condition?.mapChannels ?? 0;
  const conv = (kh: number, kw: number, cin: number, cout: number, bias = true) => kh * kw * cin * cout + (bias ? cout : 0);
  if (c.arch === 'gated') {
    // per gated layer of kernel q, r = ⌊q/2⌋, input features cin, stacks of n = 2h: vertical (r+1)×q and horizontal
    // 1×(r+1) to the 2n gate pre-activations, the 1×1 link 2n → 2n (no bias), the 1×1 out n → n, the skip n → n
    const n = 2 * h;
    // and, class-conditional, two [K+1, 2n] class tables
    const classTables = c.classes ? 2 * (c.classes + 1) * 2 * n : 0;
    const gated = (q: number, cin: number, skip: boolean) => {
      const r = (q - 1) / 2;
      return conv(r + 1, q, cin, 2 * n) + conv(1, r + 1, cin, 2 * n) + conv(1, 1, 2 * n, 2 * n, false) + conv(1, 1, n, n) + (skip ? conv(1, 1, n, n) : 0) + classTables;
    };
    return gated(k, C, false) + layers * gated(3, n, c.skip) + conv(1, 1, n, hw) + conv(1, 1, hw, C * K);
  }
  let n = conv(k, k, C, 2 * h) + conv(1, 1, 2 * h, hw) + conv(1, 1, hw, C * K);
  if (c.condition) {
    const steps = Math.round(Math.log2(c.height / c.condition.smallHeight));
    for (let i = 0; i < steps; i++) n += conv(4, 4, i === 0 ? C : map, map);
    n += conv(1, 1, map, 2 * h, false);
  }
  let layer = conv(1, 1, h, 2 * h) + (c.skip ? conv(1, 1, 2 * h, 2 * h) : 0);
  if (c.arch === 'pixelcnn') layer += conv(1, 1, 2 * h, h) + conv(3, 3, h, h) + (map ? conv(1, 1, map, h, false) : 0);
  else if (c.arch === 'rowlstm') layer += conv(1, 3, 2 * h, 4 * h) + 3 * h * 4 * h + 2 * h + (map ? conv(1, 1, map, 4 * h, false) : 0);
  else layer += 2 * (conv(1, 1, 2 * h, 4 * h) + 2 * h * 4 * h + 2 * h + (map ? conv(1, 1, map, 4 * h, false) : 0));
  return n + layers * layer;
}

export function validateConfig(c: ModelConfig): void {
  const fail = (msg: string): never => {
    throw new Error(`Invalid model config: ${msg}`);
  };
  if (!ARCHS.includes(c.arch)) fail(`unknown arch "${String(c.arch)}"`);
  if (c.arch === 'gated' && c.condition) fail('the Gated PixelCNN takes no multi-scale condition');
  if (c.classes !== undefined) {
    if (c.arch !== 'gated') fail(`only the Gated PixelCNN takes a class, not arch "${c.arch}"`);
    if (!Number.isInteger(c.classes) || c.classes < 2) fail(`classes must be an integer ≥ 2, got ${String(c.classes)}`);
    if (c.classes > LIMITS.classes) fail(`classes = ${c.classes} is beyond this app's limit of ${LIMITS.classes}`);
  }
  if (c.channels !== 1 && c.channels !== 3) fail(`channels must be 1 or 3, got ${String(c.channels)}`);
  if (c.output !== 'binary' && c.output !== 'softmax256') fail(`unknown output "${String(c.output)}"`);
  if (c.output === 'binary' && c.channels !== 1) fail('binary output needs channels = 1');
  for (const k of ['height', 'width', 'layers', 'hidden', 'headWidth', 'firstKernel'] as const) {
    const v = c[k];
    if (!Number.isInteger(v) || v < (k === 'layers' ? 0 : 1)) fail(`${k} must be a positive integer, got ${String(v)}`);
  }
  if (c.firstKernel % 2 !== 1) fail(`firstKernel must be odd, got ${c.firstKernel}`);
  if (c.channels === 3 && c.hidden < 3) fail('an RGB model needs hidden ≥ 3 (one feature per colour group at least)');
  for (const k of ['height', 'width', 'layers', 'hidden', 'headWidth', 'firstKernel'] as const)
    if (c[k] > LIMITS[k]) fail(`${k} = ${c[k]} is beyond this app's limit of ${LIMITS[k]}`);
  if (c.condition && !(c.condition.mapChannels <= LIMITS.mapChannels)) fail(`mapChannels must be at most ${LIMITS.mapChannels}`);
  if (c.condition) {
    const { smallHeight, smallWidth, mapChannels } = c.condition;
    if (c.height % smallHeight !== 0 || c.width % smallWidth !== 0) fail('the target size must be a multiple of the small size');
    const f = c.height / smallHeight;
    if (f !== c.width / smallWidth || (f & (f - 1)) !== 0 || f < 2) fail('the upsampling factor must be the same power of two ≥ 2 on both axes');
    if (!Number.isInteger(mapChannels) || mapChannels < 1) fail('mapChannels must be a positive integer');
  }
  const params = parameterCount(c);
  if (params > LIMITS.parameters) fail(`${params.toLocaleString('en')} parameters is beyond this app's limit of ${LIMITS.parameters.toLocaleString('en')}`);
}
