/** Public surface of the framework-free core: what the app, workers and scripts import. */
export * from './models/config';
export * from './models/presets';
export { PixelModel, createModel, classLabels } from './models/pixelModel';
export * from './likelihood';
export * from './masks';
export * from './random';
export * from './sampling/types';
export { sampleNaive } from './sampling/naive';
export { sampleCached } from './sampling/cached';
export { probabilities } from './sampling/draw';
export * from './io/artifacts';
export * from './io/card';
export { checkPair, enlarge, MultiScaleModel, placeholderSmall, subsample } from './models/multiScale';
export * from './receptiveField';
