package dev.kiln.text;

/**
 * FarmHash's {@code Fingerprint64} (the "na" variant), which TensorFlow's {@code tf.strings.to_hash_bucket_fast}
 * uses, and so Keras' lookup layers when they have several OOV indices. A fingerprint is stable across platforms and
 * releases, which is why Keras relies on it. Ported from the reference C++ (google/farmhash, {@code farmhashna::Hash64}).
 */
final class Fingerprint64 {
  private static final long K0 = 0xc3a5c85c97cb3127L;
  private static final long K1 = 0xb492b66fbe98f273L;
  private static final long K2 = 0x9ae16a3b2f90404fL;

  private Fingerprint64() {}

  /** The unsigned 64-bit fingerprint of {@code bytes}, as a (possibly negative) Java long. */
  static long of(byte[] bytes) {
    int length = bytes.length;
    if (length <= 16) return upTo16(bytes, length);
    if (length <= 32) return upTo32(bytes, length);
    if (length <= 64) return upTo64(bytes, length);
    return longer(bytes, length);
  }

  /** {@code tf.strings.to_hash_bucket_fast}: the fingerprint modulo {@code buckets}, unsigned. */
  static int bucket(byte[] bytes, int buckets) {
    long fingerprint = of(bytes);
    // Long.remainderUnsigned is missing from Android API 24: halve, take the remainder, restore the low bit.
    return (int) ((((fingerprint >>> 1) % buckets) * 2 + (fingerprint & 1)) % buckets);
  }

  private static long upTo16(byte[] s, int length) {
    if (length >= 8) {
      long mul = K2 + length * 2L;
      long a = load64(s, 0) + K2;
      long b = load64(s, length - 8);
      long c = Long.rotateRight(b, 37) * mul + a;
      long d = (Long.rotateRight(a, 25) + b) * mul;
      return hash16(c, d, mul);
    }
    if (length >= 4) {
      long mul = K2 + length * 2L;
      long a = load32(s, 0);
      return hash16(length + (a << 3), load32(s, length - 4), mul);
    }
    if (length > 0) {
      long y = (s[0] & 0xFF) + ((s[length >> 1] & 0xFF) << 8);
      long z = length + ((s[length - 1] & 0xFF) << 2);
      return shiftMix(y * K2 ^ z * K0) * K2;
    }
    return K2;
  }

  private static long upTo32(byte[] s, int length) {
    long mul = K2 + length * 2L;
    long a = load64(s, 0) * K1;
    long b = load64(s, 8);
    long c = load64(s, length - 8) * mul;
    long d = load64(s, length - 16) * K2;
    return hash16(Long.rotateRight(a + b, 43) + Long.rotateRight(c, 30) + d, a + Long.rotateRight(b + K2, 18) + c, mul);
  }

  private static long upTo64(byte[] s, int length) {
    long mul = K2 + length * 2L;
    long a = load64(s, 0) * K2;
    long b = load64(s, 8);
    long c = load64(s, length - 8) * mul;
    long d = load64(s, length - 16) * K2;
    long y = Long.rotateRight(a + b, 43) + Long.rotateRight(c, 30) + d;
    long z = hash16(y, a + Long.rotateRight(b + K2, 18) + c, mul);
    long e = load64(s, 16) * mul;
    long f = load64(s, 24);
    long g = (y + load64(s, length - 32)) * mul;
    long h = (z + load64(s, length - 24)) * mul;
    return hash16(Long.rotateRight(e + f, 43) + Long.rotateRight(g, 30) + h, e + Long.rotateRight(f + a, 18) + g, mul);
  }

  private static long longer(byte[] s, int length) {
    long seed = 81;
    long x = seed;
    long y = seed * K1 + 113;
    long z = shiftMix(y * K2 + 113) * K2;
    long[] v = new long[2];
    long[] w = new long[2];
    x = x * K2 + load64(s, 0);
    // 64-byte blocks until 1 to 64 bytes are left; the last block is the file's last 64 bytes (it may overlap).
    int offset = 0;
    int end = ((length - 1) / 64) * 64;
    int last64 = end + ((length - 1) & 63) - 63;
    do {
      x = Long.rotateRight(x + y + v[0] + load64(s, offset + 8), 37) * K1;
      y = Long.rotateRight(y + v[1] + load64(s, offset + 48), 42) * K1;
      x ^= w[1];
      y += v[0] + load64(s, offset + 40);
      z = Long.rotateRight(z + w[0], 33) * K1;
      weakHash32(s, offset, v[1] * K1, x + w[0], v);
      weakHash32(s, offset + 32, z + w[1], y + load64(s, offset + 16), w);
      long t = z;
      z = x;
      x = t;
      offset += 64;
    } while (offset != end);
    long mul = K1 + ((z & 0xFF) << 1);
    offset = last64;
    w[0] += (length - 1) & 63;
    v[0] += w[0];
    w[0] += v[0];
    x = Long.rotateRight(x + y + v[0] + load64(s, offset + 8), 37) * mul;
    y = Long.rotateRight(y + v[1] + load64(s, offset + 48), 42) * mul;
    x ^= w[1] * 9;
    y += v[0] * 9 + load64(s, offset + 40);
    z = Long.rotateRight(z + w[0], 33) * mul;
    weakHash32(s, offset, v[1] * mul, x + w[0], v);
    weakHash32(s, offset + 32, z + w[1], y + load64(s, offset + 16), w);
    long t = z;
    z = x;
    x = t;
    return hash16(hash16(v[0], w[0], mul) + shiftMix(y) * K0 + z, hash16(v[1], w[1], mul) + x, mul);
  }

  /** The reference's WeakHashLen32WithSeeds, written into {@code out} (the pair it returns). */
  private static void weakHash32(byte[] s, int offset, long a, long b, long[] out) {
    long w = load64(s, offset);
    long x = load64(s, offset + 8);
    long y = load64(s, offset + 16);
    long z = load64(s, offset + 24);
    a += w;
    b = Long.rotateRight(b + a + z, 21);
    long c = a;
    a += x;
    a += y;
    b += Long.rotateRight(a, 44);
    out[0] = a + z;
    out[1] = b + c;
  }

  private static long hash16(long u, long v, long mul) {
    long a = (u ^ v) * mul;
    a ^= a >>> 47;
    long b = (v ^ a) * mul;
    b ^= b >>> 47;
    return b * mul;
  }

  private static long shiftMix(long value) {
    return value ^ (value >>> 47);
  }

  private static long load64(byte[] s, int i) {
    return (load32(s, i)) | (load32(s, i + 4) << 32);
  }

  private static long load32(byte[] s, int i) {
    return (s[i] & 0xFFL) | (s[i + 1] & 0xFFL) << 8 | (s[i + 2] & 0xFFL) << 16 | (s[i + 3] & 0xFFL) << 24;
  }
}
