package dev.kiln;

/** Convolution and pooling padding, with TensorFlow's rules (SAME puts the odd pixel bottom/right). */
public enum Padding {
  VALID,
  SAME
}
