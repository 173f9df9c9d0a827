import type { Arch, ModelConfig } from '../models/config';
import { validateConfig } from '../models/config';
import { trainingFlops } from '../models/flops';
import { preset, presets, type PresetName } from '../models/presets';

/**
 * Models to train from scratch in the browser: three sizes of each architecture, scaled from the
 * browser-sized "small" presets (presets.json) that the shipped models were trained from.
 *   tiny:   half the layers, half the width: trains several times faster, learns coarse shapes;
 *   small:  the preset itself;
 *   medium: a third more layers and twice the width: about 5× the work per image.
 * The counts and speeds a person chooses by come from `scratchSizes` (parameters by building the model, in
 * the worker) and `estimateImagesPerSec` (a measured rate of another shape, scaled by the work per image).
 */
export const SCRATCH_SIZES = ['tiny', 'small', 'medium'] as const;
export type ScratchSize = (typeof SCRATCH_SIZES)[number];
export type ScratchDataset = 'mnist' | 'emoji32';

const SCALE: Record<ScratchSize, { layers: number; width: number }> = {
  tiny: { layers: 0.5, width: 0.5 },
  small: { layers: 1, width: 1 },
  medium: { layers: 4 / 3, width: 2 },
};

/** The config of a model of `size` for `dataset` and `arch` (a fresh seed gives fresh weights). */
export function scratchConfig(dataset: ScratchDataset, arch: Arch, size: ScratchSize, seed = 1): ModelConfig {
  const name = `small-${dataset === 'mnist' ? 'mnist' : 'emoji'}-${arch}` as PresetName;
  if (!(name in presets)) throw new Error(`No browser-sized preset for ${arch} on ${dataset} to scale from`);
  const base = preset(name);
  const s = SCALE[size];
  // Widths stay multiples of the colour groups, so every group keeps its share of the features.
  const round = (v: number) => Math.max(base.channels, Math.round(v / base.channels) * base.channels);
  const config: ModelConfig = {
    ...base,
    seed,
    layers: Math.max(1, Math.round(base.layers * s.layers)),
    hidden: round(base.hidden * s.width),
    headWidth: round(base.headWidth * s.width),
  };
  validateConfig(config);
  return config;
}

/** Training FLOPs per image of a config (three passes; see ../models/flops.ts). */
export function flopsPerImage(config: ModelConfig): number {
  return trainingFlops(config, 1);
}

/**
 * Images/s a config should train at on the backend that trained `measured.config` at `measured.imagesPerSec`:
 * the same FLOP/s, another amount of work per image. An estimate (small models use a backend less well).
 */
export function estimateImagesPerSec(config: ModelConfig, measured: { config: ModelConfig; imagesPerSec: number }): number {
  return (measured.imagesPerSec * flopsPerImage(measured.config)) / flopsPerImage(config);
}
