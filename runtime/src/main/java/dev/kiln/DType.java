package dev.kiln;

/** Element types of tensors. {@code BOOL} is stored as 0/1 in an int array. */
public enum DType {
  FLOAT32(4, "float32"),
  INT32(4, "int32"),
  BOOL(1, "bool");

  private final int byteSize;
  private final String kerasName;

  DType(int byteSize, String kerasName) {
    this.byteSize = byteSize;
    this.kerasName = kerasName;
  }

  /** Bytes per element in serialized form. */
  public int byteSize() {
    return byteSize;
  }

  /** The Keras / NumPy name ({@code float32}). */
  public String kerasName() {
    return kerasName;
  }
}
