package dev.kiln.importer;

import com.palantir.javapoet.AnnotationSpec;
import com.palantir.javapoet.ArrayTypeName;
import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.JavaFile;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterSpec;
import com.palantir.javapoet.TypeName;
import com.palantir.javapoet.TypeSpec;
import dev.kiln.Call;
import dev.kiln.DType;
import dev.kiln.Layer;
import dev.kiln.Model;
import dev.kiln.Shape;
import dev.kiln.Tensor;
import dev.kiln.importer.ModelDef.CallNode;
import dev.kiln.importer.ModelDef.Field;
import dev.kiln.importer.ModelDef.Input;
import dev.kiln.importer.ModelDef.TextInput;
import dev.kiln.importer.ModelDef.Value;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.lang.model.element.Modifier;

/**
 * Writes a {@link ModelDef} as the Kiln model a person would write, with JavaPoet: whatever came from the model
 * file reaches the source only as a sanitized identifier (fields, locals, parameters, classes: {@link ModelDef}),
 * an escaped literal ({@code $S}), or comment text restricted to characters that cannot end a comment or start
 * an escape ({@link #commentText}).
 */
final class SourceWriter {
  private static final ClassName TENSOR = ClassName.get(Tensor.class);

  private SourceWriter() {}

  static String write(String pkg, ModelDef root, String origin) {
    ClassName self = ClassName.get(pkg, root.javaClass);
    TypeSpec.Builder builder = model(root, self, true)
        .addJavadoc("Imported by kiln-import from $L (Keras $L model '$L').\n", commentText(origin), root.kerasClass,
            commentText(root.kerasName));
    for (TextInput t : root.textInputs) builder.addJavadoc(textInputDoc(t, root.javaClass));
    TypeSpec type = builder.build();
    return JavaFile.builder(pkg, type).indent("  ").skipJavaLangImports(true).build().toString();
  }

  private static TypeSpec.Builder model(ModelDef m, ClassName self, boolean root) {
    TypeSpec.Builder t = TypeSpec.classBuilder(self).superclass(Model.class)
        .addModifiers(root ? new Modifier[] {Modifier.PUBLIC, Modifier.FINAL}
            : new Modifier[] {Modifier.PUBLIC, Modifier.STATIC, Modifier.FINAL});
    for (Field f : m.fields) {
      TypeName type = f.spec != null ? ClassName.get("dev.kiln.layers", f.spec.className) : self.nestedClass(f.nested.javaClass);
      CodeBlock init = f.spec != null ? f.spec.code() : CodeBlock.of("new $T()", type);
      t.addField(FieldSpec.builder(type, f.name, Modifier.FINAL).addAnnotation(Layer.class).initializer(init).build());
    }
    t.addMethod(call(m, root));
    for (ModelDef n : m.nestedClasses) {
      t.addType(model(n, self.nestedClass(n.javaClass), false)
          .addJavadoc("Keras $L model '$L'.\n", n.kerasClass, commentText(n.kerasName))
          .build());
    }
    return t;
  }

  private static MethodSpec call(ModelDef m, boolean root) {
    boolean training = m.takesTraining() && (root || m.inputs.size() == 1);
    boolean several = m.outputs.size() > 1;
    boolean overrides = !root || clashesWithLayerCall(m.inputs.size(), training);
    MethodSpec.Builder b = MethodSpec.methodBuilder(several && overrides ? "forward" : "call")
        .addAnnotation(Call.class)
        .addModifiers(root ? Modifier.PUBLIC : Modifier.PROTECTED)
        .returns(several ? ArrayTypeName.of(TENSOR) : TENSOR);
    if (!root) b.addAnnotation(Override.class);
    for (Input i : m.inputs) {
      ParameterSpec.Builder p = ParameterSpec.builder(TENSOR, i.name);
      if (root) {
        AnnotationSpec.Builder shape = AnnotationSpec.builder(Shape.class).addMember("value", "{$L}", dims(i.shape));
        if (i.dtype != DType.FLOAT32) shape.addMember("dtype", "$T.$N", DType.class, i.dtype.name());
        p.addAnnotation(shape.build());
      }
      b.addParameter(p.build());
    }
    if (training) b.addParameter(TypeName.BOOLEAN, "training");
    for (CallNode c : m.calls) {
      CodeBlock.Builder args = CodeBlock.builder();
      for (int k = 0; k < c.inputs.size(); k++) args.add(k == 0 ? "$L" : ", $L", value(c.inputs.get(k)));
      if (c.field.takesTraining() && c.inputs.size() == 1) args.add(training ? ", training" : ", false");
      if (c.outputs > 1) b.addStatement("$T $N = $N.applyAll($L)", ArrayTypeName.of(TENSOR), c.output, c.field.name, args.build());
      else b.addStatement("$T $N = $N.apply($L)", TENSOR, c.output, c.field.name, args.build());
    }
    if (several) b.addStatement("return new $T[] {$L}", TENSOR, values(m.outputs));
    else b.addStatement("return $L", value(m.outputs.get(0)));
    return b.build();
  }

  /** {@code lstmOut}, or {@code lstmOut[1]} for a state of a call that returns several tensors. */
  private static CodeBlock value(Value v) {
    return v.index < 0 ? CodeBlock.of("$N", v.var) : CodeBlock.of("$N[$L]", v.var, v.index);
  }

  private static CodeBlock values(List<Value> vs) {
    CodeBlock.Builder b = CodeBlock.builder();
    for (int i = 0; i < vs.size(); i++) b.add(i == 0 ? "$L" : ", $L", value(vs.get(i)));
    return b.build();
  }

  /**
   * How to turn strings into the input a text layer fed: its {@code dev.kiln.text} twin, configured as in the file
   * (setters are generated from typed options, the vocabulary file's name from identifiers).
   */
  private static CodeBlock textInputDoc(TextInput t, String javaClass) {
    String type = t.kerasClass;
    CodeBlock.Builder b = CodeBlock.builder()
        .add("\n<p>Text in: the Keras $L layer '$L' turns strings into the input {@code $L}.\nKiln runs it outside the"
            + " session, as {@link dev.kiln.text.$L}, with the vocabulary\nkiln-import wrote beside the weights:\n",
            type, commentText(t.kerasName), t.input, type)
        .add("<pre>{@code\n")
        .add("$L $L = new $L()\n", type, t.name, type);
    for (int i = 0; i < t.setters.size(); i++) {
      b.add("    $L$L\n", t.setters.get(i), i == t.setters.size() - 1 ? ";" : "");
    }
    b.add("try ($L$L session = $L$L.open(weights)) {\n", "Kiln", javaClass, "Kiln", javaClass)
        .add("  Tensor out = session.call($L.apply($L));\n", t.name, type.equals("TextVectorization")
            ? "\"some text\", \"more text\"" : t.shape.length == 1 ? "\"a\", \"b\"" : "new String[][] {{\"a\", \"b\"}}")
        .add("}\n}</pre>\n");
    return b.build();
  }

  /** A root @Call named call with these parameters would override AbstractLayer.call and so must return Tensor. */
  private static boolean clashesWithLayerCall(int inputs, boolean training) {
    return inputs == 1 || (inputs == 2 && !training);
  }

  private static CodeBlock dims(int[] shape) {
    CodeBlock.Builder b = CodeBlock.builder();
    for (int i = 0; i < shape.length; i++) b.add(i == 0 ? "$L" : ", $L", shape[i]);
    return b.build();
  }


  /** How much of a name a comment shows. */
  static final int COMMENT_CHARS = 80;

  /**
   * {@code s} as comment text: letters, digits and {@code _ - . : /} and spaces as they are, every other
   * character percent-encoded as its UTF-8 bytes ({@code *} is {@code %2A}, a backslash {@code %5C}), so that
   * nothing can end the comment, start a unicode escape, or open a Javadoc tag or HTML; at most
   * {@value #COMMENT_CHARS} characters of {@code s}.
   */
  static String commentText(String s) {
    boolean cut = s.length() > COMMENT_CHARS;
    String head = cut ? s.substring(0, COMMENT_CHARS) : s;
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < head.length(); ) {
      int cp = head.codePointAt(i);
      i += Character.charCount(cp);
      boolean plain = (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9')
          || cp == '_' || cp == '-' || cp == '.' || cp == ':' || cp == '/' || cp == ' ';
      if (plain) {
        sb.append((char) cp);
      } else {
        for (byte b : new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8)) {
          sb.append('%').append(String.format("%02X", b & 0xff));
        }
      }
    }
    return cut ? sb.append("...").toString() : sb.toString();
  }
}
