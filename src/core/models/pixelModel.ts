import * as tf from '@tensorflow/tfjs';
import { DiagonalBiLSTM } from '../layers/diagonalLstm';
import { MaskedConv } from '../layers/maskedConv';
import type { ComputePath } from '../layers/computePath';
import { ParamStore } from '../layers/params';
import { RowLSTM } from '../layers/rowLstm';
import { channelGroups } from '../masks';
import { categories, validateConfig, type ModelConfig } from './config';
import { ConditioningNet } from './conditioning';
import { GatedStacks } from './gated';
import { normalizeInput } from './normalize';

/**
 * The PixelCNN residual block (SPEC.md §3): 2h → ReLU, 1×1 → h → ReLU, 3×3 mask B → h → ReLU, 1×1 → 2h.
 * The 1×1 convolutions are mask B too, so colour groups never mix the wrong way.
 */
export class ConvBlock {
  readonly down: MaskedConv;
  readonly conv: MaskedConv;
  readonly cond: MaskedConv | null;

  constructor(store: ParamStore, name: string, h: number, groups: number, condChannels?: number) {
    const g2 = channelGroups(2 * h, groups);
    const g1 = channelGroups(h, groups);
    this.down = new MaskedConv(store, { name: `${name}/down`, kh: 1, kw: 1, inGroups: g2, outGroups: g1, mask: 'B' });
    this.conv = new MaskedConv(store, { name: `${name}/conv`, kh: 3, kw: 3, inGroups: g1, outGroups: g1, mask: 'B' });
    this.cond = condChannels
      ? new MaskedConv(store, { name: `${name}/cond`, kh: 1, kw: 1, inGroups: new Int32Array(condChannels), outGroups: new Int32Array(h), mask: 'none', bias: false })
      : null;
  }

  /** [B,H,W,2h] → [B,H,W,h] (before the block's output projection). */
  apply(x: tf.Tensor4D, condMap?: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const a = this.down.apply(tf.relu(x));
      let s = this.conv.apply(tf.relu(a));
      if (this.cond && condMap) s = tf.add(s, this.cond.apply(condMap));
      return s;
    });
  }
}

export type CoreLayer = ConvBlock | RowLSTM | DiagonalBiLSTM;

/** One residual layer: the core layer, its 1×1 mask-B projection h → 2h, and its skip to the head. */
export interface ResidualLayer {
  core: CoreLayer;
  /** Applied to the core's h outputs (after a ReLU for conv blocks) to bring them back to 2h. */
  out: MaskedConv;
  skip: MaskedConv | null;
}

/** How a model is built besides its config (nothing here is saved with it). */
export interface ModelOptions {
  /** Which implementations compute its passes (benchmarks and equivalence tests compare them). */
  path?: Readonly<ComputePath>;
}

/**
 * PixelCNN, Row LSTM PixelRNN or Diagonal BiLSTM PixelRNN (SPEC.md §3, Table 1), optionally conditioned on a
 * small image (the conditional half of a Multi-Scale PixelRNN), or the Gated PixelCNN (arch 'gated': its
 * two stacks in `gated` replace the first layer and the residual layers; the head is the same).
 *
 * Input: raw sub-pixel values [B,H,W,C] (0..255, or 0/1 for binary models) as float32.
 * Output logits: [B,H,W,C,256] for 256-way models, [B,H,W,C] (one sigmoid logit) for binary ones.
 */
export class PixelModel {
  readonly params: ParamStore;
  /** The first 7×7 mask-A convolution (null for the Gated PixelCNN, whose first layer is in `gated`). */
  readonly first: MaskedConv | null;
  readonly layers: ResidualLayer[] = [];
  readonly gated: GatedStacks | null;
  readonly head1: MaskedConv;
  readonly head2: MaskedConv;
  readonly conditioning: ConditioningNet | null;
  readonly firstCond: MaskedConv | null;

  /** `options.path`: how the layers compute (../layers/computePath.ts; default the fastest everywhere). */
  constructor(
    readonly config: ModelConfig,
    options: ModelOptions = {},
  ) {
    validateConfig(config);
    const { channels: C, hidden: h, layers, headWidth, firstKernel: k, arch } = config;
    const groups = C;
    const store = (this.params = new ParamStore(config.seed, options.path));
    const g2 = channelGroups(2 * h, groups);
    const condChannels = config.condition?.mapChannels;

    this.gated = arch === 'gated' ? new GatedStacks(store, config) : null;
    this.first = this.gated ? null : new MaskedConv(store, { name: 'in', kh: k, kw: k, inGroups: channelGroups(C, groups), outGroups: g2, mask: 'A' });
    this.conditioning = config.condition ? new ConditioningNet(store, config.condition, C, config.output === 'binary', config.height) : null;
    this.firstCond = condChannels
      ? new MaskedConv(store, { name: 'in/cond', kh: 1, kw: 1, inGroups: new Int32Array(condChannels), outGroups: new Int32Array(2 * h), mask: 'none', bias: false })
      : null;

    for (let l = 0; l < (this.gated ? 0 : layers); l++) {
      const name = `l${l}`;
      const spec = { name, hidden: h, groups, condChannels };
      const core: CoreLayer =
        arch === 'pixelcnn' ? new ConvBlock(store, name, h, groups, condChannels) : arch === 'rowlstm' ? new RowLSTM(store, spec) : new DiagonalBiLSTM(store, spec);
      const out = new MaskedConv(store, { name: `${name}/out`, kh: 1, kw: 1, inGroups: channelGroups(h, groups), outGroups: g2, mask: 'B' });
      const skip = config.skip ? new MaskedConv(store, { name: `${name}/skip`, kh: 1, kw: 1, inGroups: g2, outGroups: g2, mask: 'B' }) : null;
      this.layers.push({ core, out, skip });
    }

    const K = categories(config) === 2 ? 1 : 256;
    this.head1 = new MaskedConv(store, { name: 'head1', kh: 1, kw: 1, inGroups: g2, outGroups: channelGroups(headWidth, groups), mask: 'B' });
    this.head2 = new MaskedConv(store, { name: 'head2', kh: 1, kw: 1, inGroups: channelGroups(headWidth, groups), outGroups: channelGroups(C * K, groups), mask: 'B' });
  }

  /** Conditioning map of the small images, or undefined for an unconditional model. */
  conditionMap(small?: tf.Tensor4D): tf.Tensor4D | undefined {
    if (!this.conditioning) return undefined;
    if (!small) throw new Error('This model is conditional: pass the small images it is conditioned on');
    return this.conditioning.apply(small);
  }

  /**
   * x: [B,H,W,C] raw values → logits [B,H,W,C,256] or [B,H,W,C]. `labels`: the class of each image of a
   * class-conditional model (classLabels: [B] int32 in [0, K], K = none; absent: none for every image).
   */
  logits(x: tf.Tensor4D, small?: tf.Tensor4D, labels?: tf.Tensor1D): tf.Tensor {
    return tf.tidy(() => {
      const { height: H, width: W, channels: C } = this.config;
      if (x.shape[1] !== H || x.shape[2] !== W || x.shape[3] !== C)
        throw new Error(`Expected images of shape [B,${H},${W},${C}], got [${x.shape.join(',')}]`);
      const cmap = this.conditionMap(small);
      if (labels && !this.config.classes) throw new Error('This model takes no class');
      if (labels && labels.shape[0] !== x.shape[0]) throw new Error(`${labels.shape[0]} classes for ${x.shape[0]} images`);
      if (this.gated) {
        const y = this.config.classes ? (labels ?? classLabels(this.config, x.shape[0])) : undefined;
        return this.head(this.gated.apply(normalizeInput(x, this.config.output === 'binary'), y));
      }
      // 1) first layer: 7×7 mask A, C → 2h
      let z = this.first!.apply(normalizeInput(x, this.config.output === 'binary')); // [B,H,W,2h]
      if (this.firstCond && cmap) z = tf.add(z, this.firstCond.apply(cmap));
      // 2) residual layers, each with a skip to the head
      let skipSum: tf.Tensor4D | null = null;
      for (const layer of this.layers) {
        z = this.residualStep(layer, z, cmap);
        if (layer.skip) {
          const s = layer.skip.apply(z);
          skipSum = skipSum ? (tf.add(skipSum, s) as tf.Tensor4D) : s;
        }
      }
      // 3) head: ReLU → 1×1 → ReLU → 1×1, mask B
      return this.head(skipSum ?? z);
    });
  }

  /** One residual layer: z [B,H,W,2h] → [B,H,W,2h]. */
  residualStep(layer: ResidualLayer, z: tf.Tensor4D, cmap?: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      let y = layer.core.apply(z, cmap); // [B,H,W,h]
      if (layer.core instanceof ConvBlock) y = tf.relu(y);
      const o = layer.out.apply(y); // [B,H,W,2h]
      return this.config.residual ? tf.add(z, o) : o;
    });
  }

  /** Head of the network: [B,H,W,2h] → logits. */
  head(z: tf.Tensor4D): tf.Tensor {
    return tf.tidy(() => {
      const [b, h, w] = z.shape;
      const y = this.head2.apply(tf.relu(this.head1.apply(tf.relu(z)))); // [B,H,W,C·K]
      const { channels: C } = this.config;
      return this.config.output === 'binary' ? y : y.reshape([b, h, w, C, 256]);
    });
  }

  dispose(): void {
    this.params.dispose();
  }
}

/**
 * The classes of B images as the int32 [B] tensor `logits` takes, checked: one class for all (a number) or one
 * per image, each in [0, K] where K (= config.classes) is "none"; absent or null: none for every image.
 */
export function classLabels(config: ModelConfig, batch: number, classes?: number | ArrayLike<number> | null): tf.Tensor1D {
  const k = config.classes;
  if (!k) throw new Error('This model takes no class');
  const values: number[] = classes === undefined || classes === null ? new Array<number>(batch).fill(k) : typeof classes === 'number' ? new Array<number>(batch).fill(classes) : Array.from(classes);
  if (values.length !== batch) throw new Error(`${values.length} classes for ${batch} images`);
  for (const v of values) if (!Number.isInteger(v) || v < 0 || v > k) throw new Error(`a class must be in [0, ${k}] (${k}: none), got ${v}`);
  return tf.tensor1d(Int32Array.from(values), 'int32');
}

export function createModel(config: ModelConfig, options: ModelOptions = {}): PixelModel {
  return new PixelModel(config, options);
}
