import * as tf from '@tensorflow/tfjs';
import { meanNll } from '../likelihood';
import type { Arch } from '../models/config';
import { PixelModel } from '../models/pixelModel';
import type { ModelConfig } from '../models/config';

export interface GradientCheck {
  arch: Arch;
  /** Largest |project − tfjs| / max |tfjs| over the loss and every parameter's gradient. */
  maxRelErr: number;
  params: number;
}

/**
 * The gradients the project trains with — its convolution gradients, the fused LSTM cell where the backend
 * has it, the recurrent scans' own backward passes — against tfjs's differentiation of the same model
 * (a second model with the same config and weights, built with `path.project` off), on the current backend,
 * for a small RGB model of each architecture. Used by the tests
 * and by the browser benchmark page, so that the paths are checked on a browser's WebGPU too.
 */
export async function checkGradients(arch: Arch, seed = 1): Promise<GradientCheck> {
  const config: ModelConfig = {
    arch,
    height: 5,
    width: 4,
    channels: 3,
    output: 'softmax256',
    layers: 2,
    hidden: 6,
    headWidth: 12,
    firstKernel: 3,
    residual: true,
    skip: true,
    seed,
  };
  const model = new PixelModel(config);
  const reference = new PixelModel(config, { path: { project: false, ownScans: false, fusedLstm: false } }); // same seed: same weights
  const x = tf.tidy(() => tf.randomUniform([2, 5, 4, 3], 0, 256, 'int32', seed).toFloat() as tf.Tensor4D);
  const names = [...model.params.vars.keys()];
  const run = (m: PixelModel) => {
    const vars = names.map((n) => m.params.get(n));
    const { value, grads } = tf.variableGrads(() => meanNll(m.logits(x), x, m.config.output) as tf.Scalar, vars);
    return [value, ...vars.map((v) => grads[v.name]!)];
  };
  const ours = run(model);
  const theirs = run(reference);
  let worst = 0;
  for (let i = 0; i < ours.length; i++) {
    const [a, b] = await Promise.all([ours[i]!.data(), theirs[i]!.data()]);
    let num = 0;
    let den = 0;
    for (let k = 0; k < a.length; k++) {
      num = Math.max(num, Number.isFinite(a[k]!) ? Math.abs(a[k]! - b[k]!) : NaN); // NaN fails any bound
      den = Math.max(den, Math.abs(b[k]!));
    }
    worst = Math.max(worst, den > 0 ? num / den : num);
  }
  tf.dispose([x, ...ours, ...theirs]);
  const params = model.params.count();
  model.dispose();
  reference.dispose();
  return { arch, maxRelErr: worst, params };
}
