/**
 * The codec worker: .prnn files for the Compress tab, and the PNG / WebP sizes beside them. A thin
 * dispatcher: the work is in src/core/codec, the routing in ./codec.
 */
import { codecHandlers } from './codec';
import type { CodecApi } from './codecProtocol';
import { serve } from './rpc';

serve<CodecApi>(codecHandlers);
