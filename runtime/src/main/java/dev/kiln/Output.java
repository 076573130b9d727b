package dev.kiln;

import java.util.Objects;

/**
 * A tensor of a static {@link Graph}: output {@link #index()} of operation {@link #op()}, named
 * {@code hidden/Relu:0}. Fetch it with {@link Session#run(Output, java.util.Map)} or feed it in a feed map.
 *
 * <p>Two outputs are equal when they have the same name, so {@code graph.tensor("x:0")} equals
 * {@code graph.placeholder("x")}, also across separate {@link Graph#of} calls for the same graph.
 */
public final class Output {
  private final Operation op;
  private final int index;
  private final int[] shape;
  private final DType dtype;

  Output(Operation op, int index, int[] shape, DType dtype) {
    this.op = op;
    this.index = index;
    this.shape = shape.clone();
    this.dtype = dtype;
  }

  /** The operation that produces this tensor. */
  public Operation op() {
    return op;
  }

  /** Which output of {@link #op()} this is. */
  public int index() {
    return index;
  }

  /** The tensor name, {@code hidden/Relu:0}. */
  public String name() {
    return op.name() + ":" + index;
  }

  /** A copy of the static shape; {@code -1} marks a run-time dimension. */
  public int[] shape() {
    return shape.clone();
  }

  public DType dtype() {
    return dtype;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) return true;
    if (!(o instanceof Output)) return false;
    Output other = (Output) o;
    return index == other.index && op.name().equals(other.op.name());
  }

  @Override
  public int hashCode() {
    return Objects.hash(op.name(), index);
  }

  /** {@code hidden/Relu:0 float32[-1, 128]}. */
  @Override
  public String toString() {
    return name() + " " + dtype.kerasName() + Shapes.toString(shape);
  }
}
