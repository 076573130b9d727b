package dev.kiln.processor;


import com.google.testing.compile.JavaFileObjects;
import dev.kiln.processor.testing.CompiledModels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;

/**
 * Random convolutional models (convolutions of every kind with strides, dilations, groups and paddings, folded
 * BatchNorm, residual adds, zero padding, cropping, pooling, upsampling) on random inputs: the fused compiled
 * session, {@code Session.run} and the eager model agree to 1e-5 of the output's scale. A failure prints the
 * model's seed and source.
 */
class RandomCnnEquivalenceTest {
  private static final int MODELS = Integer.getInteger("kiln.cnns", 30);
  private static final long BASE_SEED = Long.getLong("kiln.cnnSeed", 7_000L);

  @Test
  void compiledEqualsEagerOnRandomCnns() throws Exception {
    List<JavaFileObject> sources = new ArrayList<>();
    List<RandomCnn> generated = new ArrayList<>();
    for (int i = 0; i < MODELS; i++) {
      RandomCnn m = new RandomCnn(BASE_SEED + i);
      generated.add(m);
      sources.add(JavaFileObjects.forSourceString("com.example." + m.name, m.source));
    }
    CompiledModels models = CompiledModels.compile(sources.toArray(new JavaFileObject[0]));
    double worst = 0;
    for (RandomCnn m : generated) {
      worst = Math.max(worst, models.assertCompiledEqualsEager(m.name, m.inputShape, m.seed, 3, 1e-5, m.source));
    }
    System.out.printf("random cnns: %d, worst relative error %.3g%n", generated.size(), worst);
  }

  /**
   * Convolutions fused with the max pooling that reads them ({@code KernelSet.conv2dMaxPool}): VALID and SAME,
   * strided, overlapping 3x3 windows, and with a residual add in the convolution's epilogue.
   */
  @Test
  void convolutionThenMaxPoolingEqualsEager() throws Exception {
    String[][] models = {
        {"P1", "new Conv2D(6, 3).activation(Activation.RELU)", "new MaxPooling2D(2)", "-1, 9, 11, 2"},
        {"P2", "new Conv2D(5, 3).padding(Padding.SAME)", "new MaxPooling2D(3, 2).padding(Padding.SAME)", "-1, 8, 7, 3"},
        {"P3", "new Conv2D(4, 3, 2).activation(Activation.TANH)", "new MaxPooling2D(3, 1)", "-1, 13, 12, 1"},
        {"P4", "new Conv2D(3, 1)", "new MaxPooling2D(2).padding(Padding.SAME)", "-1, 5, 5, 3"}};
    List<JavaFileObject> sources = new ArrayList<>();
    for (String[] m : models) {
      // P4: a 1x1 convolution with a residual add of its input, fused into its epilogue
      String body = m[0].equals("P4") ? "pool.apply(Ops.add(conv.apply(x), x))" : "pool.apply(conv.apply(x))";
      sources.add(JavaFileObjects.forSourceString("com.example." + m[0], String.join("\n",
          "package com.example;", "import dev.kiln.*;", "import dev.kiln.layers.*;",
          "public final class " + m[0] + " extends Model {",
          "  @Layer final Conv2D conv = " + m[1] + ";",
          "  @Layer final MaxPooling2D pool = " + m[2] + ";",
          "  @Call public Tensor call(@Shape({" + m[3] + "}) Tensor x) {",
          "    return " + body + ";",
          "  }",
          "}")));
    }
    CompiledModels compiled = CompiledModels.compile(sources.toArray(new JavaFileObject[0]));
    for (int i = 0; i < models.length; i++) {
      String[] m = models[i];
      int[] shape = java.util.Arrays.stream(m[3].split(", ")).mapToInt(Integer::parseInt).toArray();
      for (long seed = 1; seed <= 3; seed++) {
        compiled.assertCompiledEqualsEager(m[0], shape, seed, 4, 1e-5, sources.get(i).getCharContent(true).toString());
      }
    }
  }

  /** Java source of a random convolutional Kiln model {@code C<seed>} on an NHWC input {@code x}. */
  static final class RandomCnn {
    final long seed;
    final String name;
    final int[] inputShape;
    final String source;
    private final Random r;
    private final StringBuilder fields = new StringBuilder();
    private final StringBuilder body = new StringBuilder();
    private final List<String> names = new ArrayList<>();
    private final List<int[]> shapes = new ArrayList<>();
    private int counter;

    private static final String[] ACTS = {"LINEAR", "RELU", "RELU6", "SIGMOID", "TANH", "SILU", "HARD_SWISH_PLACEHOLDER"};

    RandomCnn(long seed) {
      this.seed = seed;
      this.name = "C" + seed;
      this.r = new Random(seed);
      int size = 5 + r.nextInt(8);
      inputShape = new int[] {-1, size, size + r.nextInt(3), 1 + r.nextInt(4)};
      names.add("x");
      shapes.add(inputShape);
      int steps = 3 + r.nextInt(6);
      for (int i = 0; i < steps; i++) step();
      source = "package com.example;\nimport dev.kiln.*;\nimport dev.kiln.layers.*;\n"
          + "public final class " + name + " extends Model {\n" + fields
          + "  @Call public Tensor call(@Shape(" + literal(inputShape) + ") Tensor x) {\n" + body
          + "    return " + names.get(names.size() - 1) + ";\n  }\n}\n";
    }

    private String act() {
      String a = ACTS[r.nextInt(ACTS.length - 1)];
      return "Activation." + a;
    }

    private void emit(String expr, int[] shape) {
      String v = "t" + (counter++);
      body.append("    Tensor ").append(v).append(" = ").append(expr).append(";\n");
      names.add(v);
      shapes.add(shape);
    }

    private String field(String type, String init) {
      String f = "l" + (counter++);
      fields.append("  @Layer final ").append(type).append(' ').append(f).append(" = ").append(init).append(";\n");
      return f;
    }

    private static int outSize(int in, int k, int s, int d, boolean same) {
      if (same) return (in + s - 1) / s;
      int eff = (k - 1) * d + 1;
      return in < eff ? -1 : (in - eff) / s + 1;
    }

    private void step() {
      String h = names.get(names.size() - 1);
      int[] s = shapes.get(shapes.size() - 1);
      int hh = s[1];
      int ww = s[2];
      int c = s[3];
      switch (r.nextInt(11)) {
        case 0: case 1: {
          int k = 1 + r.nextInt(3);
          int st = 1 + r.nextInt(2);
          int d = st == 1 && r.nextInt(4) == 0 ? 2 : 1;
          boolean same = r.nextBoolean();
          int groups = c % 2 == 0 && r.nextInt(3) == 0 ? 2 : 1;
          int f = groups * (1 + r.nextInt(4));
          int oh = outSize(hh, k, st, d, same);
          int ow = outSize(ww, k, st, d, same);
          if (oh < 1 || ow < 1) return;
          String fl = field("Conv2D", "new Conv2D(" + f + ", " + k + ").strides(" + st + ").dilationRate(" + d + ").padding(Padding."
              + (same ? "SAME" : "VALID") + ").groups(" + groups + ").activation(" + act() + ")" + (r.nextInt(3) == 0 ? ".useBias(false)" : ""));
          emit(fl + ".apply(" + h + ")", new int[] {-1, oh, ow, f});
          if (r.nextBoolean()) {
            String bn = field("BatchNormalization", "new BatchNormalization()");
            emit(bn + ".apply(" + names.get(names.size() - 1) + ")", new int[] {-1, oh, ow, f});
          }
          break;
        }
        case 2: {
          int k = 1 + r.nextInt(3);
          int st = 1 + r.nextInt(2);
          boolean same = r.nextBoolean();
          int m = 1 + r.nextInt(2);
          int oh = outSize(hh, k, st, 1, same);
          int ow = outSize(ww, k, st, 1, same);
          if (oh < 1 || ow < 1) return;
          String fl = field("DepthwiseConv2D", "new DepthwiseConv2D(" + k + ").strides(" + st + ").depthMultiplier(" + m
              + ").padding(Padding." + (same ? "SAME" : "VALID") + ").useBias(" + r.nextBoolean() + ")");
          emit(fl + ".apply(" + h + ")", new int[] {-1, oh, ow, c * m});
          String bn = field("BatchNormalization", "new BatchNormalization()");
          emit("Ops.relu6(" + bn + ".apply(" + names.get(names.size() - 1) + "))", new int[] {-1, oh, ow, c * m});
          break;
        }
        case 3: {
          // A residual block: 3x3 SAME convolution, BatchNorm, add, activation.
          String conv = field("Conv2D", "new Conv2D(" + c + ", 3).padding(Padding.SAME).useBias(false)");
          String bn = field("BatchNormalization", "new BatchNormalization()");
          emit("Ops.relu(Ops.add(" + h + ", " + bn + ".apply(" + conv + ".apply(" + h + "))))", s);
          break;
        }
        case 4: {
          int p = 1 + r.nextInt(2);
          String pad = field("ZeroPadding2D", "new ZeroPadding2D(" + p + ")");
          String conv = field("Conv2D", "new Conv2D(" + (1 + r.nextInt(4)) + ", 3)");
          int f = Integer.parseInt(fields.substring(fields.lastIndexOf("new Conv2D(") + 11, fields.lastIndexOf(", 3)")));
          emit(conv + ".apply(" + pad + ".apply(" + h + "))", new int[] {-1, hh + 2 * p - 2, ww + 2 * p - 2, f});
          break;
        }
        case 5: {
          if (hh < 2 || ww < 2) return;
          boolean max = r.nextBoolean();
          boolean same = r.nextBoolean();
          String fl = field(max ? "MaxPooling2D" : "AveragePooling2D", "new " + (max ? "MaxPooling2D" : "AveragePooling2D")
              + "(2).padding(Padding." + (same ? "SAME" : "VALID") + ")");
          emit(fl + ".apply(" + h + ")", new int[] {-1, same ? (hh + 1) / 2 : hh / 2, same ? (ww + 1) / 2 : ww / 2, c});
          break;
        }
        case 6: {
          if (hh > 8) return;
          String fl = field("UpSampling2D", "new UpSampling2D(2).interpolation(\"" + (r.nextBoolean() ? "nearest" : "bilinear") + "\")");
          emit(fl + ".apply(" + h + ")", new int[] {-1, 2 * hh, 2 * ww, c});
          break;
        }
        case 7: {
          if (hh < 4 || ww < 4) return;
          String fl = field("Cropping2D", "new Cropping2D(1)");
          emit(fl + ".apply(" + h + ")", new int[] {-1, hh - 2, ww - 2, c});
          break;
        }
        case 8: {
          int f = 1 + r.nextInt(4);
          int st = 1 + r.nextInt(2);
          boolean same = r.nextBoolean();
          int k = 2 + r.nextInt(2);
          int oh = same ? hh * st : (hh - 1) * st + k;
          int ow = same ? ww * st : (ww - 1) * st + k;
          if (oh > 24 || ow > 24) return;
          String fl = field("Conv2DTranspose", "new Conv2DTranspose(" + f + ", " + k + ").strides(" + st + ").padding(Padding."
              + (same ? "SAME" : "VALID") + ")");
          emit(fl + ".apply(" + h + ")", new int[] {-1, oh, ow, f});
          break;
        }
        case 9: {
          int f = 1 + r.nextInt(4);
          String fl = field("SeparableConv2D", "new SeparableConv2D(" + f + ", 3).padding(Padding.SAME).activation(" + act() + ")");
          emit(fl + ".apply(" + h + ")", new int[] {-1, hh, ww, f});
          break;
        }
        default: {
          String fl = field("LayerNormalization", "new LayerNormalization()");
          emit(fl + ".apply(" + h + ")", s);
        }
      }
    }

    private static String literal(int[] s) {
      return Arrays.toString(s).replace('[', '{').replace(']', '}');
    }
  }
}
