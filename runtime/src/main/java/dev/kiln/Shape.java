package dev.kiln;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The static shape of a model input ({@code -1} for a dimension known only at run time, normally the
 * batch). A class whose {@link Call} tensor parameters all carry {@code @Shape} is a compilation root.
 *
 * <pre>{@code public Tensor call(@Shape({-1, 784}) Tensor x, boolean training)}</pre>
 */
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.PARAMETER)
public @interface Shape {
  int[] value();

  DType dtype() default DType.FLOAT32;
}
