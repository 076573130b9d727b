package dev.kiln.ops;

import dev.kiln.graph.Attrs;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Every op type of Kiln's graph language, and how to rebuild its typed op from the attributes a graph table stores
 * ({@link Op#attrs()}). Adding an op: its class in this package (shape function, kernel, pattern, scalar form), its
 * case here, and the {@code Ops} method users call.
 */
public final class OpRegistry {
  /** The op types outside the enum families below. */
  private static final String[] SINGLE_TYPES = {
    "BiasAdd", "MatMul", "Softmax", "ArgMax", "ConcatV2", "Reshape", "Identity", "Transpose", "Pad", "Slice",
    "BatchNorm", "LayerNorm", "Resize", "Conv2D", "DepthwiseConv2dNative", "Conv2DTranspose", "MaxPool", "AvgPool",
    "Placeholder", "Variable", "Const", "GatherV2", "Cast", "SelectV2", "Range", "ExpandDims", "Squeeze", "Any", "All",
    "OnesLike", "BroadcastTo", "SimpleRNN", "LSTM", "GRU", "DotProductAttention", "ReverseV2",
  };

  private static final Map<String, UnaryOp.Fn> UNARY = new LinkedHashMap<String, UnaryOp.Fn>();
  private static final Map<String, BinaryOp.Fn> BINARY = new LinkedHashMap<String, BinaryOp.Fn>();
  private static final Map<String, Reduce.Fn> REDUCE = new LinkedHashMap<String, Reduce.Fn>();
  private static final Map<String, Compare.Fn> COMPARE = new LinkedHashMap<String, Compare.Fn>();
  private static final Map<String, Logical.Fn> LOGICAL = new LinkedHashMap<String, Logical.Fn>();
  private static final Set<String> TYPES;

  static {
    for (UnaryOp.Fn f : UnaryOp.Fn.values()) UNARY.put(f.type(), f);
    for (BinaryOp.Fn f : BinaryOp.Fn.values()) BINARY.put(f.type(), f);
    for (Reduce.Fn f : Reduce.Fn.values()) REDUCE.put(f.type(), f);
    for (Compare.Fn f : Compare.Fn.values()) COMPARE.put(f.type(), f);
    for (Logical.Fn f : Logical.Fn.values()) LOGICAL.put(f.type(), f);
    Set<String> all = new LinkedHashSet<String>();
    all.addAll(UNARY.keySet());
    all.addAll(BINARY.keySet());
    all.addAll(REDUCE.keySet());
    all.addAll(COMPARE.keySet());
    all.addAll(LOGICAL.keySet());
    for (String t : SINGLE_TYPES) {
      if (!all.add(t)) throw new IllegalStateException("op type " + t + " registered twice");
    }
    TYPES = Collections.unmodifiableSet(all);
  }

  private OpRegistry() {}

  /** The op of {@code type} with these attributes; {@link IllegalArgumentException} for an unknown type. */
  public static Op decode(String type, Attrs a) {
    if (UNARY.containsKey(type)) return UnaryOp.decode(UNARY.get(type), a);
    if (BINARY.containsKey(type)) return BinaryOp.of(BINARY.get(type));
    if (REDUCE.containsKey(type)) return Reduce.decode(REDUCE.get(type), a);
    if (COMPARE.containsKey(type)) return Compare.of(COMPARE.get(type));
    if (LOGICAL.containsKey(type)) return Logical.of(LOGICAL.get(type));
    switch (type) {
      case "BiasAdd": return BiasAdd.INSTANCE;
      case "MatMul": return MatMul.decode(a);
      case "Softmax": return Softmax.decode(a);
      case "ArgMax": return ArgMax.decode(a);
      case "ConcatV2": return Concat.decode(a);
      case "Reshape": return Reshape.decode(a);
      case "Identity": return Identity.INSTANCE;
      case "Transpose": return Transpose.decode(a);
      case "Pad": return Pad.decode(a);
      case "Slice": return Slice.decode(a);
      case "BatchNorm": return BatchNorm.decode(a);
      case "LayerNorm": return LayerNorm.decode(a);
      case "Resize": return Resize.decode(a);
      case "Conv2D": return Conv2D.decode(a);
      case "DepthwiseConv2dNative": return DepthwiseConv2D.decode(a);
      case "Conv2DTranspose": return Conv2DTranspose.decode(a);
      case "MaxPool": return Pool2D.decode(true, a);
      case "AvgPool": return Pool2D.decode(false, a);
      case "Placeholder": return new Sources.Placeholder(a.getInt("index", 0));
      case "Variable": return new Sources.Variable(a.getString("initializer"));
      case "Const": return Sources.Const.decode(a);
      case "GatherV2": return Gather.decode(a);
      case "Cast": return Cast.decode(a);
      case "SelectV2": return Select.INSTANCE;
      case "Range": return Range.decode(a);
      case "ExpandDims": return ExpandDims.decode(a);
      case "Squeeze": return Squeeze.decode(a);
      case "Any": return BoolReduce.decode(false, a);
      case "All": return BoolReduce.decode(true, a);
      case "OnesLike": return OnesLike.decode(a);
      case "BroadcastTo": return BroadcastTo.INSTANCE;
      case "SimpleRNN": return SimpleRnn.decode(a);
      case "LSTM": return Lstm.decode(a);
      case "GRU": return Gru.decode(a);
      case "DotProductAttention": return DotProductAttention.decode(a);
      case "ReverseV2": return Reverse.decode(a);
      default: throw new IllegalArgumentException("unknown op type " + type);
    }
  }

  /** Every registered op type. */
  public static Set<String> types() {
    return TYPES;
  }
}
