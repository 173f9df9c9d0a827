import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from '../random';
import { DEFAULT_PATH, type ComputePath } from './computePath';

/**
 * The trainable variables of one model, by name, plus the constant tensors (masks) it owns.
 * Names are stable paths ("l3/is/w"): they are the keys of the saved weight manifest.
 */
export class ParamStore {
  readonly vars = new Map<string, tf.Variable>();
  private readonly consts: tf.Tensor[] = [];
  private counter = 0;

  /** `path`: how the layers built on this store compute (./computePath.ts); each layer reads it when built. */
  constructor(
    private readonly seed: number,
    readonly path: Readonly<ComputePath> = DEFAULT_PATH,
  ) {}

  /** A Glorot-uniform weight, drawn from the store's seed so the same config gives the same weights. */
  glorot(name: string, shape: number[], fanIn: number, fanOut: number): tf.Variable {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    const seed = deriveSeed(this.seed, this.counter++);
    return this.add(name, tf.tidy(() => tf.randomUniform(shape, -limit, limit, 'float32', seed)));
  }

  fill(name: string, shape: number[], value: number): tf.Variable {
    return this.add(name, tf.fill(shape, value));
  }

  /** A variable with the given initial values. */
  values(name: string, shape: number[], values: Float32Array): tf.Variable {
    return this.add(name, tf.tensor(values, shape, 'float32'));
  }

  /** A constant the store owns and disposes (never trained, never saved). */
  constant(t: tf.Tensor): tf.Tensor {
    this.consts.push(t);
    return t;
  }

  get(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (!v) throw new Error(`No parameter named "${name}"`);
    return v;
  }

  list(): tf.Variable[] {
    return [...this.vars.values()];
  }

  count(): number {
    let n = 0;
    for (const v of this.vars.values()) n += v.size;
    return n;
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    for (const c of this.consts) c.dispose();
    this.vars.clear();
    this.consts.length = 0;
  }

  private add(name: string, init: tf.Tensor): tf.Variable {
    if (this.vars.has(name)) throw new Error(`Duplicate parameter name "${name}"`);
    const v = tf.variable(init, true);
    init.dispose();
    this.vars.set(name, v);
    return v;
  }
}
