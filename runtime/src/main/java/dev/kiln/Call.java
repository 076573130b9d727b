package dev.kiln;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the forward computation of a layer or model (Keras {@code call}). The Kiln annotation processor
 * reads this method's body at compile time and turns it into a static graph and fused code.
 */
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface Call {}
