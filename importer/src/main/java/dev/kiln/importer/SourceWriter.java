package dev.kiln.importer;

import dev.kiln.importer.ModelDef.CallNode;
import dev.kiln.importer.ModelDef.Field;
import dev.kiln.importer.ModelDef.Input;

/** Writes a {@link ModelDef} as the Kiln model a person would write. */
final class SourceWriter {
  private final StringBuilder sb = new StringBuilder();

  static String write(String pkg, ModelDef root, String origin) {
    SourceWriter w = new SourceWriter();
    if (!pkg.isEmpty()) w.sb.append("package ").append(pkg).append(";\n\n");
    w.sb.append("import dev.kiln.*;\n");
    w.sb.append("import dev.kiln.layers.*;\n\n");
    w.sb.append("/**\n * Imported by kiln-import from ").append(origin).append(" (Keras ").append(root.kerasClass)
        .append(" model '").append(root.kerasName).append("').\n */\n");
    w.model(root, "", true);
    return w.sb.toString();
  }

  private void model(ModelDef m, String indent, boolean root) {
    sb.append(indent).append(root ? "public final class " : "public static final class ").append(m.javaClass).append(" extends Model {\n");
    String in = indent + "  ";
    for (Field f : m.fields) {
      sb.append(in).append("@Layer final ").append(f.typeName()).append(' ').append(f.name).append(" = ")
          .append(f.spec != null ? f.spec.source() : "new " + f.nested.javaClass + "()").append(";\n");
    }
    sb.append('\n');
    boolean training = m.takesTraining() && (root || m.inputs.size() == 1);
    boolean several = m.outputs.size() > 1;
    sb.append(in).append("@Call\n");
    StringBuilder params = new StringBuilder();
    for (Input i : m.inputs) {
      if (params.length() > 0) params.append(", ");
      if (root) params.append("@Shape(").append(shape(i.shape)).append(") ");
      params.append("Tensor ").append(i.name);
    }
    if (training) params.append(", boolean training");
    String name = "call";
    boolean overrides = !root || clashesWithLayerCall(m.inputs.size(), training);
    if (several && overrides) name = "forward";
    if (!root) sb.append(in).append("@Override\n");
    sb.append(in).append(root ? "public " : "protected ").append(several ? "Tensor[] " : "Tensor ").append(name)
        .append('(').append(params).append(") {\n");
    String body = in + "  ";
    for (CallNode c : m.calls) {
      sb.append(body).append("Tensor ").append(c.output).append(" = ").append(c.field.name).append(".apply(")
          .append(String.join(", ", c.inputs));
      if (c.field.takesTraining() && c.inputs.size() == 1) sb.append(training ? ", training" : ", false");
      sb.append(");\n");
    }
    if (several) sb.append(body).append("return new Tensor[] {").append(String.join(", ", m.outputs)).append("};\n");
    else sb.append(body).append("return ").append(m.outputs.get(0)).append(";\n");
    sb.append(in).append("}\n");
    for (ModelDef n : m.nestedClasses) {
      sb.append('\n').append(in).append("/** Keras ").append(n.kerasClass).append(" model '").append(n.kerasName).append("'. */\n");
      model(n, in, false);
    }
    sb.append(indent).append("}\n");
  }

  /** A root @Call named call with these parameters would override AbstractLayer.call and so must return Tensor. */
  private static boolean clashesWithLayerCall(int inputs, boolean training) {
    return inputs == 1 || (inputs == 2 && !training);
  }

  private static String shape(int[] s) {
    StringBuilder b = new StringBuilder("{");
    for (int i = 0; i < s.length; i++) b.append(i == 0 ? "" : ", ").append(s[i]);
    return b.append('}').toString();
  }
}
