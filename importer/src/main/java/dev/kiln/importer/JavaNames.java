package dev.kiln.importer;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import javax.lang.model.SourceVersion;

/** Which simple names the importer may give the classes it writes. */
final class JavaNames {
  /** Identifiers that cannot name a type (JLS 3.9: restricted identifiers, and {@code _}). */
  private static final Set<String> RESTRICTED = new HashSet<>(Arrays.asList("var", "yield", "record", "sealed", "permits", "_"));

  private JavaNames() {}

  /**
   * Why {@code name} cannot be the simple name of a model class the importer writes, or {@code null} if it can. A
   * class must not take the name of one of Kiln's own types (the written source and the generated session refer to
   * them by simple name: {@code Model}, {@code Dense}, {@code Tensor}, ...) or of a {@code java.lang} type, which a
   * class of the same package would hide.
   */
  static String classNameProblem(String name) {
    if (!SourceVersion.isIdentifier(name) || SourceVersion.isKeyword(name, SourceVersion.latest())) {
      return "is not a Java identifier";
    }
    if (RESTRICTED.contains(name)) return "is a restricted identifier in Java (var, yield, record, sealed, permits): it cannot name a class";
    for (String pkg : new String[] {"dev.kiln.", "dev.kiln.layers.", "java.lang."}) {
      if (exists(pkg + name)) {
        return "is the name of " + pkg + name + (pkg.startsWith("java") ? ", which a class of that name would hide"
            : ", one of Kiln's own types, which the written source and the generated session use");
      }
    }
    return null;
  }

  private static boolean exists(String className) {
    try {
      Class.forName(className, false, JavaNames.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }
}
