// Pure TypeScript LZ4 frames, for where the lz4-napi native addon cannot load.
export type { BlockSize, CompressFrameOptions } from './frame.ts';
export { compressFrame, decompressFrame } from './frame.ts';
export { xxhash32 } from './xxhash32.ts';
