package dev.kiln.spark;

import static com.google.common.truth.Truth.assertThat;

import dev.kiln.spark.models.KilnTinyNet;
import java.util.Iterator;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.junit.jupiter.api.Test;

/** The partition iterator on its own (no Spark job): it reads one batch ahead of what it hands out, never more. */
class ScoringIteratorTest {
  /** An endless partition that counts the rows taken from it. */
  static final class EndlessRows implements Iterator<InternalRow> {
    int taken;

    @Override
    public boolean hasNext() {
      return true;
    }

    @Override
    public InternalRow next() {
      float[] v = KilnTransformerTest.values(taken);
      return new GenericInternalRow(new Object[] {(long) taken++, UnsafeArrayData.fromPrimitiveArray(v)});
    }
  }

  @Test
  void readsOneBatchAtATimeFromAnEndlessPartition() {
    ModelSignature sig = ModelSignature.of(KilnTinyNet.graph());
    ScoringIterator.Plan plan = new ScoringIterator.Plan(sig, new String[] {"x"}, new int[] {1},
        new ColumnKind[] {ColumnKind.FLOAT_ARRAY}, 4, false, true);
    EndlessRows source = new EndlessRows();
    try (KilnTinyNet session = KilnTinyNet.initialized(KilnTransformerTest.SEED)) {
      ScoringIterator it = new ScoringIterator(source, 0, plan, session);
      assertThat(source.taken).isEqualTo(0);
      for (int i = 0; i < 10; i++) {
        assertThat(it.hasNext()).isTrue();
        InternalRow row = it.next();
        // Rows 0-3 come from the first batch, 4-7 from the second, 8-9 from the third.
        assertThat(source.taken).isEqualTo(4 * (i / 4 + 1));
        assertThat(row.getLong(0)).isEqualTo(i);
        float[] expected = KilnTransformerTest.typedCall(KilnTransformerTest.values(i));
        assertThat(row.getArray(2).toFloatArray()).usingTolerance(1e-6).containsExactly(expected).inOrder();
        assertThat(row.getInt(3)).isEqualTo(ScoringIterator.argmax(expected, 0, expected.length));
      }
    }
  }

  @Test
  void argmaxTakesTheFirstOfEqualMaxima() {
    assertThat(ScoringIterator.argmax(new float[] {9, 1, 3, 3, 2}, 1, 4)).isEqualTo(1);
    assertThat(ScoringIterator.argmax(new float[] {-5, -2, -2}, 0, 3)).isEqualTo(1);
    assertThat(ScoringIterator.argmax(new float[] {7}, 0, 1)).isEqualTo(0);
  }
}
