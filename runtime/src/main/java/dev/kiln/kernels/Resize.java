package dev.kiln.kernels;

/**
 * Image upsampling by integer factors on NHWC data ({@code [n, h, w, c]} to {@code [n, h*sh, w*sw, c]}), Keras
 * {@code UpSampling2D}. Allocation-free.
 */
public final class Resize {
  private Resize() {}

  /** Nearest neighbour: every input pixel repeated {@code sh} times down and {@code sw} times across. */
  public static void nearest(float[] in, int n, int h, int w, int c, int sh, int sw, float[] out) {
    int oh = h * sh;
    int ow = w * sw;
    for (int b = 0; b < n; b++) {
      for (int y = 0; y < oh; y++) {
        int inRow = (b * h + y / sh) * w;
        int outRow = (b * oh + y) * ow;
        for (int x = 0; x < ow; x++) System.arraycopy(in, (inRow + x / sw) * c, out, (outRow + x) * c, c);
      }
    }
  }

  /**
   * Bilinear, as {@code tf.image.resize(method='bilinear')} (half-pixel centers, no antialiasing; TensorFlow's
   * ResizeBilinear kernel): source coordinate {@code in = (i + 0.5f) * (inSize / (float) outSize) - 0.5f},
   * {@code lower = max(floor(in), 0)}, {@code upper = min(ceil(in), inSize - 1)}, {@code lerp = in - floor(in)};
   * {@code top = tl + (tr - tl) * xLerp}, {@code bottom = bl + (br - bl) * xLerp},
   * {@code out = top + (bottom - top) * yLerp}, all in float.
   */
  public static void bilinear(float[] in, int n, int h, int w, int c, int sh, int sw, float[] out) {
    int oh = h * sh;
    int ow = w * sw;
    float yScale = h / (float) oh;
    float xScale = w / (float) ow;
    for (int b = 0; b < n; b++) {
      for (int y = 0; y < oh; y++) {
        float yIn = (y + 0.5f) * yScale - 0.5f;
        float yFloor = (float) Math.floor(yIn);
        int y0 = Math.max((int) yFloor, 0);
        int y1 = Math.min((int) Math.ceil(yIn), h - 1);
        float yLerp = yIn - yFloor;
        int top = (b * h + y0) * w;
        int bottom = (b * h + y1) * w;
        int outRow = (b * oh + y) * ow;
        for (int x = 0; x < ow; x++) {
          float xIn = (x + 0.5f) * xScale - 0.5f;
          float xFloor = (float) Math.floor(xIn);
          int x0 = Math.max((int) xFloor, 0);
          int x1 = Math.min((int) Math.ceil(xIn), w - 1);
          float xLerp = xIn - xFloor;
          int tl = (top + x0) * c;
          int tr = (top + x1) * c;
          int bl = (bottom + x0) * c;
          int br = (bottom + x1) * c;
          int o = (outRow + x) * c;
          for (int ch = 0; ch < c; ch++) {
            float t = in[tl + ch] + (in[tr + ch] - in[tl + ch]) * xLerp;
            float bo = in[bl + ch] + (in[br + ch] - in[bl + ch]) * xLerp;
            out[o + ch] = t + (bo - t) * yLerp;
          }
        }
      }
    }
  }
}
