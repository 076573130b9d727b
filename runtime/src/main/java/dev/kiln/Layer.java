package dev.kiln;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a field that holds a sub-layer: a built-in layer, a user layer, a nested {@link Model}, or an
 * array of those. Its name becomes the scope of the layer's weights and ops ({@code hidden/kernel}).
 *
 * <pre>{@code @Layer final Dense hidden = new Dense(128).activation(Activation.RELU);}</pre>
 */
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.FIELD)
public @interface Layer {}
