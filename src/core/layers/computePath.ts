/**
 * Which implementation computes each part of a model's forward and backward pass: an explicit option of a
 * model (`createModel(config, { path })`, kept by its ParamStore and read by each layer), so that
 * benchmarks and equivalence tests compare the paths on models side by side instead of flipping a
 * process-wide switch. Every path gives the same values and gradients up to float rounding (tested);
 * only the speed differs.
 */
export interface ComputePath {
  /**
   * The masked convolutions' gradients of ./convGrad.ts and matrix products for 1×1 layers (default); off,
   * tfjs's own conv2d and its Conv2DBackpropFilter/Input, and tfjs's autodiff everywhere.
   */
  project: boolean;
  /**
   * Only with `project`: the recurrent layers' scans with backward passes of their own (RowLSTM.scan, the
   * Diagonal BiLSTM's jointScan) rather than differentiated by tfjs step by step.
   */
  ownScans: boolean;
  /** The fused LSTM cell kernel of ./lstmKernels.ts where the backend has one (WebGPU), else tfjs ops. */
  fusedLstm: boolean;
}

/** What models use unless told otherwise: the fastest path everywhere. */
export const DEFAULT_PATH: Readonly<ComputePath> = Object.freeze({ project: true, ownScans: true, fusedLstm: true });
