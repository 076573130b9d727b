package dev.kiln.ops;

import dev.kiln.DType;
import dev.kiln.graph.Attrs;
import dev.kiln.graph.Dim;
import dev.kiln.graph.Dims;

/**
 * Upsampling of NHWC by integer factors: {@code nearest} repeats rows and columns (Keras {@code UpSampling2D}),
 * {@code bilinear} is {@code tf.image.resize(method='bilinear')} with half-pixel centers and no antialiasing.
 */
public final class Resize extends Op {
  private final int scaleH;
  private final int scaleW;
  private final boolean bilinear;

  public Resize(int scaleH, int scaleW, String method) {
    if (scaleH < 1 || scaleW < 1) {
      throw new IllegalArgumentException("Resize: scale factors must be >= 1, got " + scaleH + ", " + scaleW);
    }
    if (!"nearest".equals(method) && !"bilinear".equals(method)) {
      throw new IllegalArgumentException("Resize: method must be \"nearest\" or \"bilinear\", got " + method);
    }
    this.scaleH = scaleH;
    this.scaleW = scaleW;
    this.bilinear = method.equals("bilinear");
  }

  static Resize decode(Attrs a) {
    int[] s = a.getInts("scale");
    return new Resize(s[0], s[1], a.getString("method"));
  }

  public boolean bilinear() {
    return bilinear;
  }

  public int scaleH() {
    return scaleH;
  }

  public int scaleW() {
    return scaleW;
  }

  @Override
  public String type() {
    return "Resize";
  }

  @Override
  public Pattern pattern() {
    return Pattern.INJECTIVE;
  }

  @Override
  public Attrs attrs() {
    return Attrs.of("scale", new int[] {scaleH, scaleW}, "method", bilinear ? "bilinear" : "nearest");
  }

  @Override
  public Outputs infer(Dim[][] shapes, DType[] dtypes) {
    arity(shapes, 1);
    floats(dtypes);
    Dim[] in = shapes[0];
    if (in.length != 4) throw new IllegalArgumentException("Resize: needs an NHWC input of rank 4, got " + Dims.toString(in));
    return Outputs.of(new Dim[] {in[0], in[1].times(scaleH), in[2].times(scaleW), in[3]}, DType.FLOAT32);
  }

  @Override
  public void run(Object[] in, int[][] inShapes, Object[] out, int[][] outShapes) {
    int[] s = inShapes[0];
    if (bilinear) dev.kiln.kernels.Resize.bilinear((float[]) in[0], s[0], s[1], s[2], s[3], scaleH, scaleW, (float[]) out[0]);
    else dev.kiln.kernels.Resize.nearest((float[]) in[0], s[0], s[1], s[2], s[3], scaleH, scaleW, (float[]) out[0]);
  }
}
