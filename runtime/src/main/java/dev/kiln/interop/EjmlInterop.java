package dev.kiln.interop;

import dev.kiln.DType;
import dev.kiln.Shapes;
import dev.kiln.Tensor;
import org.ejml.data.FMatrixRMaj;

/**
 * Converts between Kiln tensors and EJML's row-major float matrices, for users who post-process model outputs
 * with EJML. EJML is an optional dependency of the runtime: add {@code org.ejml:ejml-fdense} to use this class.
 *
 * <pre>{@code
 * FMatrixRMaj probs = EjmlInterop.toMatrix(session.call(x));   // [batch, classes]
 * }</pre>
 */
public final class EjmlInterop {
  private EjmlInterop() {}

  /** A copy of a rank-2 float tensor as a matrix of the same shape. */
  public static FMatrixRMaj toMatrix(Tensor t) {
    if (t.rank() != 2 || t.dtype() != DType.FLOAT32) {
      throw new IllegalArgumentException("toMatrix needs a rank-2 float32 tensor, got " + t.dtype().kerasName()
          + Shapes.toString(t.shape()));
    }
    FMatrixRMaj m = new FMatrixRMaj(t.dim(0), t.dim(1));
    System.arraycopy(t.floatBuffer(), 0, m.data, 0, t.size());
    return m;
  }

  /** A copy of a matrix as a rank-2 float tensor. */
  public static Tensor fromMatrix(FMatrixRMaj m) {
    float[] data = new float[m.numRows * m.numCols];
    System.arraycopy(m.data, 0, data, 0, data.length);
    return Tensor.wrap(data, m.numRows, m.numCols);
  }
}
