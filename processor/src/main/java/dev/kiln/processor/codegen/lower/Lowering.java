package dev.kiln.processor.codegen.lower;

import com.palantir.javapoet.CodeBlock;
import dev.kiln.processor.opt.Schedule;

/** Writes the code of one kind of fused step into the session's {@code compute} method. */
public interface Lowering<S extends Schedule.Step> {
  void lower(S step, LoweringContext cx, CodeBlock.Builder code);
}
