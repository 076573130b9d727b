package dev.kiln.bench;

import dev.kiln.Tensor;
import dev.kiln.Weights;
import dev.kiln.example.vision.KilnMobileNetV2;
import dev.kiln.example.vision.MobileNetV2;
import dev.kiln.graph.GraphDef;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** example-app's MobileNetV2 (224x224x3, 1000 classes); TF and ONNX graphs translated from Kiln's graph. */
public final class MobileNetV2Spec extends ModelSpec {
  @Override public String name() { return "mnv2"; }
  @Override public int[] sampleShape() { return new int[] {224, 224, 3}; }
  @Override public int outputSize() { return 1000; }
  @Override public GraphDef graphDef() { return KilnMobileNetV2.graph().graphDef(); }

  @Override
  public Engine kilnCall(Weights w, int batch) {
    KilnMobileNetV2 s = KilnMobileNetV2.open(w);
    return new Engine() {
      public void run(float[] in, float[] out) {
        Tensor y = s.call(Tensor.of(in, batch, 224, 224, 3));
        System.arraycopy(y.floatBuffer(), 0, out, 0, out.length);
      }
      public void close() { s.close(); }
    };
  }

  @Override
  public Engine kilnCallInto(Weights w, int batch, dev.kiln.SessionOptions options) {
    KilnMobileNetV2 s = KilnMobileNetV2.open(w, options);
    return new Engine() {
      float[] last;
      Tensor y;
      public void run(float[] in, float[] out) {
        if (out != last) { last = out; y = Tensor.wrap(out, batch, 1000); }
        s.callInto(Tensor.wrap(in, batch, 224, 224, 3), y);
      }
      public void close() { s.close(); }
    };
  }

  @Override
  public Engine kilnEager(Weights w, int batch) {
    MobileNetV2 m = new MobileNetV2();
    KilnMobileNetV2.loadInto(m, w);
    return (in, out) -> {
      Tensor y = m.call(Tensor.of(in, batch, 224, 224, 3));
      System.arraycopy(y.floatBuffer(), 0, out, 0, out.length);
    };
  }

  @Override
  public Operand<TFloat32> tfGraph(Ops tf, Operand<TFloat32> x, Weights w) {
    return GraphTranslator.tf(tf, x, graphDef(), w);
  }

  @Override
  public void onnxGraph(OnnxWriter g, Weights w) {
    GraphTranslator.onnx(g, graphDef(), w);
  }
}
