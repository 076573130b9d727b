package dev.kiln.io;

/** Serialized element encodings the readers understand (all little-endian). */
enum Encoding {
  F32(4, true),
  F16(2, true),
  BF16(2, true),
  /** float64, narrowed to float32 on read (round to nearest; out-of-range values become infinities). */
  F64(8, true),
  I32(4, false),
  BOOL(1, false);

  final int size;
  final boolean floating;

  Encoding(int size, boolean floating) {
    this.size = size;
    this.floating = floating;
  }
}
