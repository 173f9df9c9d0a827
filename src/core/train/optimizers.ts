import * as tf from '@tensorflow/tfjs';

/**
 * RMSProp (the paper's optimiser) and Adam, written here rather than taken from tf.train so that
 *  - an update can be computed, checked for NaN/Inf and only then committed (the NaN guard);
 *  - the state is a set of named tensors (keyed by the model's stable parameter names) plus a step count,
 *    which a checkpoint saves and restores exactly.
 *
 * RMSProp (Tieleman & Hinton; TensorFlow's form):  ms ← ρ·ms + (1 − ρ)·g²;  mom ← μ·mom + lr·g / √(ms + ε);
 *   w ← w − mom (without momentum, μ = 0: w ← w − lr·g / √(ms + ε)).
 * Adam (Kingma & Ba):  m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²;  w ← w − lr·m̂ / (√v̂ + ε),
 *   m̂ = m / (1 − β₁ᵗ), v̂ = v / (1 − β₂ᵗ), t counting committed updates from 1.
 */

export type OptimizerKind = 'rmsprop' | 'adam';

export interface OptimizerConfig {
  kind: OptimizerKind;
  /** RMSProp: decay ρ of the mean square (default 0.9). */
  decay?: number;
  /** RMSProp: momentum μ (default 0: no momentum slot). */
  momentum?: number;
  /** Adam: β₁ (default 0.9). */
  beta1?: number;
  /** Adam: β₂ (default 0.999). */
  beta2?: number;
  /** ε: RMSProp 1e-7 (inside the square root), Adam 1e-8. */
  epsilon?: number;
}

/** New values for every parameter and slot, computed but not yet written. */
export interface Proposal {
  weights: Map<string, tf.Tensor>;
  slots: Map<string, tf.Tensor>;
}

export class Optimizer {
  /** Slot variables by name "<slot>/<param>", e.g. "ms/l0/is/w". */
  readonly slots = new Map<string, tf.Variable>();
  /** Committed updates so far (Adam's t). */
  updates = 0;
  readonly config: Required<OptimizerConfig>;

  constructor(config: OptimizerConfig, private readonly params: Map<string, tf.Variable>) {
    const adam = config.kind === 'adam';
    if (config.kind !== 'adam' && config.kind !== 'rmsprop') throw new Error(`Unknown optimizer "${String(config.kind)}": use rmsprop or adam`);
    this.config = {
      kind: config.kind,
      decay: config.decay ?? 0.9,
      momentum: config.momentum ?? 0,
      beta1: config.beta1 ?? 0.9,
      beta2: config.beta2 ?? 0.999,
      epsilon: config.epsilon ?? (adam ? 1e-8 : 1e-7),
    };
    for (const [name, v] of params)
      for (const slot of this.slotNames()) this.slots.set(`${slot}/${name}`, tf.tidy(() => tf.variable(tf.zerosLike(v), false)));
  }

  slotNames(): string[] {
    if (this.config.kind === 'adam') return ['m', 'v'];
    return this.config.momentum > 0 ? ['ms', 'mom'] : ['ms'];
  }

  /**
   * The next values of every parameter and slot for gradients `grads` (already clipped) at learning rate
   * `lr`. Call inside tf.tidy; nothing is written until `commit`.
   */
  propose(grads: Map<string, tf.Tensor>, lr: number): Proposal {
    const c = this.config;
    const weights = new Map<string, tf.Tensor>();
    const slots = new Map<string, tf.Tensor>();
    const t = this.updates + 1;
    for (const [name, w] of this.params) {
      const g = grads.get(name);
      if (!g) throw new Error(`No gradient for parameter "${name}"`);
      if (c.kind === 'adam') {
        const m = tf.add(tf.mul(this.slot('m', name), c.beta1), tf.mul(g, 1 - c.beta1));
        const v = tf.add(tf.mul(this.slot('v', name), c.beta2), tf.mul(tf.square(g), 1 - c.beta2));
        const stepSize = (lr * Math.sqrt(1 - c.beta2 ** t)) / (1 - c.beta1 ** t); // folds both bias corrections
        const epsHat = c.epsilon * Math.sqrt(1 - c.beta2 ** t); // ε on the corrected scale: √v̂ + ε
        weights.set(name, tf.sub(w, tf.mul(tf.div(m, tf.add(tf.sqrt(v), epsHat)), stepSize)));
        slots.set(`m/${name}`, m);
        slots.set(`v/${name}`, v);
      } else {
        const ms = tf.add(tf.mul(this.slot('ms', name), c.decay), tf.mul(tf.square(g), 1 - c.decay));
        let delta = tf.mul(tf.div(g, tf.sqrt(tf.add(ms, c.epsilon))), lr);
        if (c.momentum > 0) {
          delta = tf.add(tf.mul(this.slot('mom', name), c.momentum), delta);
          slots.set(`mom/${name}`, delta);
        }
        weights.set(name, tf.sub(w, delta));
        slots.set(`ms/${name}`, ms);
      }
    }
    return { weights, slots };
  }

  /** Writes a checked proposal into the parameters and slots (the proposal's tensors may be disposed after). */
  commit(p: Proposal): void {
    for (const [name, t] of p.weights) this.params.get(name)!.assign(t);
    for (const [name, t] of p.slots) this.slots.get(name)!.assign(t);
    this.updates++;
  }

  dispose(): void {
    for (const v of this.slots.values()) v.dispose();
    this.slots.clear();
  }

  private slot(slot: string, name: string): tf.Variable {
    return this.slots.get(`${slot}/${name}`)!;
  }
}
