/**
 * What model.json's `modelTopology` holds: the format tag and the model's config. Free of tfjs, so the page
 * (which only draws) can read an imported file's config and card before a worker builds the model.
 */
import type { ModelConfig } from '../models/config';

export const FORMAT = 'pixelrnn-lab/model@1';

export interface SavedTopology {
  format: typeof FORMAT;
  config: ModelConfig;
}
