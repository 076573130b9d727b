package dev.kiln.interop;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.Ops;
import dev.kiln.Tensor;
import org.ejml.data.FMatrixRMaj;
import org.ejml.dense.row.CommonOps_FDRM;
import org.junit.jupiter.api.Test;

class EjmlInteropTest {
  @Test
  void roundTripAndMatmulAgreeWithEjml() {
    Tensor a = Tensor.of(new float[][] {{1, 2, 3}, {4, 5, 6}});
    Tensor b = Tensor.of(new float[][] {{1, 0}, {0, 1}, {2, -1}});
    FMatrixRMaj ma = EjmlInterop.toMatrix(a);
    assertThat(ma.get(1, 2)).isEqualTo(6f);
    FMatrixRMaj c = new FMatrixRMaj(2, 2);
    CommonOps_FDRM.mult(ma, EjmlInterop.toMatrix(b), c);
    // (1*1 + 3*2, 2 - 3) = (7, -1); (4 + 12, 5 - 6) = (16, -1)
    assertThat(EjmlInterop.fromMatrix(c).toFloatArray()).isEqualTo(new float[] {7, -1, 16, -1});
    assertThat(Ops.matmul(a, b).toFloatArray()).isEqualTo(EjmlInterop.fromMatrix(c).toFloatArray());
  }

  @Test
  void rejectsOtherRanks() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> EjmlInterop.toMatrix(Tensor.zeros(2, 2, 2)));
    assertThat(e).hasMessageThat().contains("float32[2, 2, 2]");
  }
}
