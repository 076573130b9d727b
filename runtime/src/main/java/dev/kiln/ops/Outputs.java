package dev.kiln.ops;

import dev.kiln.DType;
import dev.kiln.graph.Dim;

/** The static shapes and dtypes of an op's outputs, as its shape function gives them. */
public final class Outputs {
  private final Dim[][] shapes;
  private final DType[] dtypes;

  public Outputs(Dim[][] shapes, DType[] dtypes) {
    if (shapes.length != dtypes.length) throw new IllegalArgumentException(shapes.length + " shapes, " + dtypes.length + " dtypes");
    this.shapes = shapes;
    this.dtypes = dtypes;
  }

  public static Outputs of(Dim[] shape, DType dtype) {
    return new Outputs(new Dim[][] {shape}, new DType[] {dtype});
  }

  public int count() {
    return shapes.length;
  }

  public Dim[] shape(int i) {
    return shapes[i].clone();
  }

  public DType dtype(int i) {
    return dtypes[i];
  }

  public Dim[][] shapes() {
    Dim[][] out = new Dim[shapes.length][];
    for (int i = 0; i < out.length; i++) out[i] = shapes[i].clone();
    return out;
  }

  public DType[] dtypes() {
    return dtypes.clone();
  }
}
