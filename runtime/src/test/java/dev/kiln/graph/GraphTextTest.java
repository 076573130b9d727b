package dev.kiln.graph;

import static com.google.common.truth.Truth.assertThat;

import dev.kiln.DType;
import dev.kiln.Ops;
import dev.kiln.Padding;
import dev.kiln.Tensor;
import dev.kiln.layers.Conv2D;
import dev.kiln.layers.Dense;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Graphs written as text (large generated sessions) read back to the same graph: nodes, attributes, shapes, names. */
class GraphTextTest {
  @Test
  void roundTrip() {
    Tracer t = Tracer.begin();
    GraphDef g;
    try {
      Tensor x = t.placeholder("x", 0, DType.FLOAT32, -1, -1, 8);
      t.setOrigin("M.java:3");
      t.pushScope("odd, name=[%]\tscope");
      Tensor y = new Dense(4).apply(Ops.reshape(x, -1, 8));
      t.popScope();
      Tensor img = t.placeholder("img", 1, DType.FLOAT32, -1, 6, 6, 2);
      t.pushScope("c");
      Tensor z = new Conv2D(3, 3).strides(2).padding(Padding.SAME).apply(img);
      t.popScope();
      Tensor w = Ops.clip(Ops.leakyRelu(Ops.add(Ops.mean(z, new int[] {1, 2}, false), 0.125f), 0.3f), -1f, 1e-7f);
      g = t.toGraph(List.of(y, w, Ops.argmax(y, 1)));
    } finally {
      t.end();
    }
    GraphDef back = GraphText.read(GraphText.write(g));
    assertThat(back.toString()).isEqualTo(g.toString());
    assertThat(back.placeholders()).isEqualTo(g.placeholders());
    assertThat(back.outputs()).isEqualTo(g.outputs());
    for (NodeDef n : g.nodes()) assertThat(back.node(n.name()).origin()).isEqualTo(n.origin());
    // and in pieces cut anywhere, as generated code passes them
    String text = GraphText.write(g);
    assertThat(GraphText.read(text.substring(0, 100), text.substring(100, 101), text.substring(101)).toString())
        .isEqualTo(g.toString());
  }
}
