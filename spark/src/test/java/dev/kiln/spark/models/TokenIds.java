package dev.kiln.spark.models;

import dev.kiln.Call;
import dev.kiln.DType;
import dev.kiln.Model;
import dev.kiln.Ops;
import dev.kiln.Shape;
import dev.kiln.Tensor;

/** An int32 placeholder of four token ids, returned as they are (int32; the processor cannot compile int arithmetic yet). */
public final class TokenIds extends Model {
  @Call
  public Tensor call(@Shape(value = {-1, 4}, dtype = DType.INT32) Tensor ids) {
    return Ops.identity(ids);
  }
}
