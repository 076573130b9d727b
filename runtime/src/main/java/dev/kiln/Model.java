package dev.kiln;

/**
 * A layer that is also a compilation root: its {@link Call} method may have any name and any number of
 * {@link Shape}-annotated tensor parameters; the Kiln processor generates {@code Kiln<Model>} for it. A model
 * is also a valid layer inside a larger model (eagerly, through the {@code call} overload it overrides).
 */
public abstract class Model extends AbstractLayer {}
