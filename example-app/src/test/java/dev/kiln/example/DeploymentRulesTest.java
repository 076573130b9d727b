package dev.kiln.example;

import static com.google.common.truth.Truth.assertThat;
import static com.tngtech.archunit.base.DescribedPredicate.describe;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noMethods;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.tngtech.archunit.core.domain.JavaAccess;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.CompositeArchRule;
import dev.kiln.Tensor;
import dev.kiln.example.bad.HasNativeMethod;
import dev.kiln.example.bad.LoadsLibrary;
import dev.kiln.example.bad.UsesClassLoader;
import dev.kiln.example.bad.UsesForName;
import dev.kiln.example.bad.UsesGetMethod;
import dev.kiln.example.bad.UsesLambda;
import dev.kiln.example.bad.UsesMethodHandles;
import dev.kiln.example.bad.UsesServiceLoader;
import java.net.URL;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Deployment rules for Android and other closed-world targets (R8/ProGuard, GraalVM native image): the
 * runtime jar and the generated {@code Kiln*} sessions use no reflection, no {@code java.lang.invoke} beyond
 * what lambdas compile to, no {@code ServiceLoader}, no {@code Unsafe} / JDK internals, no class loaders and
 * no JNI. Each rule is also shown to fail on a deliberately bad test class.
 */
class DeploymentRulesTest {
  /** The reflective members of {@code java.lang.Class}; {@code getName()} and friends are fine. */
  private static final Set<String> REFLECTIVE_CLASS_MEMBERS = Set.of(
      "forName", "newInstance", "getClassLoader",
      "getMethod", "getMethods", "getDeclaredMethod", "getDeclaredMethods",
      "getField", "getFields", "getDeclaredField", "getDeclaredFields",
      "getConstructor", "getConstructors", "getDeclaredConstructor", "getDeclaredConstructors",
      "getRecordComponents", "getEnclosingMethod", "getEnclosingConstructor", "getNestMembers",
      "getPermittedSubclasses", "getAnnotation", "getAnnotations", "getDeclaredAnnotations",
      "getAnnotationsByType", "isAnnotationPresent", "getResource", "getResourceAsStream");

  /** Only the bootstraps that javac emits for lambdas and method references are allowed from java.lang.invoke. */
  private static final Set<String> ALLOWED_INVOKE = Set.of(
      "java.lang.invoke.LambdaMetafactory", "java.lang.invoke.MethodHandles$Lookup", "java.lang.invoke.MethodHandle",
      "java.lang.invoke.MethodType", "java.lang.invoke.CallSite");

  static final ArchRule NO_REFLECTION = noClasses()
      .should().dependOnClassesThat().resideInAnyPackage("java.lang.reflect..")
      .orShould().callMethodWhere(describe("a reflective method of java.lang.Class",
          (JavaAccess<?> call) -> call.getTargetOwner().isEquivalentTo(Class.class)
              && REFLECTIVE_CLASS_MEMBERS.contains(call.getName())))
      .as("no reflection (java.lang.reflect, Class.forName, Class.getMethod, ...)");

  static final ArchRule NO_INVOKE = noClasses()
      .should().dependOnClassesThat(describe("are in java.lang.invoke (other than lambda bootstraps)",
          (JavaClass c) -> c.getPackageName().equals("java.lang.invoke") && !ALLOWED_INVOKE.contains(c.getName())))
      .orShould().callMethodWhere(describe("a method of java.lang.invoke (MethodHandles.lookup(), ...)",
          (JavaAccess<?> call) -> call.getTargetOwner().getPackageName().equals("java.lang.invoke")))
      .as("no java.lang.invoke beyond the invokedynamic bootstraps of lambdas");

  static final ArchRule NO_SERVICE_LOADER = noClasses()
      .should().dependOnClassesThat().areAssignableTo(java.util.ServiceLoader.class)
      .as("no ServiceLoader");

  static final ArchRule NO_UNSAFE_OR_INTERNALS = noClasses()
      .should().dependOnClassesThat().resideInAnyPackage("sun..", "jdk.internal..", "com.sun..")
      .as("no sun.misc.Unsafe or other JDK internals");

  static final ArchRule NO_CLASS_LOADERS = noClasses()
      .should().dependOnClassesThat().areAssignableTo(ClassLoader.class)
      .orShould().callMethodWhere(describe("a method returning a ClassLoader",
          (JavaAccess<?> call) -> call.getName().endsWith("ClassLoader")))
      .as("no class loaders");

  static final ArchRule NO_NATIVE_METHODS = noMethods()
      .should().haveModifier(JavaModifier.NATIVE)
      .as("no native methods");

  static final ArchRule NO_NATIVE_LIBRARIES = noClasses()
      .should().callMethodWhere(describe("System/Runtime.load or loadLibrary",
          (JavaAccess<?> call) -> (call.getTargetOwner().isEquivalentTo(System.class)
              || call.getTargetOwner().isEquivalentTo(Runtime.class))
              && (call.getName().equals("load") || call.getName().equals("loadLibrary"))))
      .as("no JNI libraries");

  static final ArchRule DEPLOYMENT = CompositeArchRule.of(NO_REFLECTION).and(NO_INVOKE).and(NO_SERVICE_LOADER)
      .and(NO_UNSAFE_OR_INTERNALS).and(NO_CLASS_LOADERS).and(NO_NATIVE_METHODS).and(NO_NATIVE_LIBRARIES)
      .as("Kiln deployment rules");

  private static URL locationOf(Class<?> c) {
    return c.getProtectionDomain().getCodeSource().getLocation();
  }

  /** Every class of the kiln-runtime jar (or its classes directory in a reactor build). */
  static JavaClasses runtimeClasses() {
    return new ClassFileImporter().importLocations(Set.of(Location.of(locationOf(Tensor.class))));
  }

  /** The generated sessions of the example models, nested classes included. */
  static JavaClasses generatedClasses() {
    Pattern kiln = Pattern.compile(".*/dev/kiln/example/Kiln[^/]*\\.class");
    return new ClassFileImporter()
        .withImportOption(location -> location.matches(kiln))
        .importLocations(Set.of(Location.of(locationOf(KilnMlp.class))));
  }

  @Test
  void runtimeJarFollowsTheRules() {
    JavaClasses classes = runtimeClasses();
    assertThat(classes.contain(Tensor.class)).isTrue();
    assertThat(classes.contain(dev.kiln.session.CompiledSession.class)).isTrue();
    assertThat(classes.size()).isGreaterThan(50);
    DEPLOYMENT.check(classes);
  }

  @Test
  void generatedSessionsFollowTheRules() {
    JavaClasses classes = generatedClasses();
    assertThat(classes.contain(KilnMlp.class)).isTrue();
    assertThat(classes.contain(KilnSeedModel.class)).isTrue();
    assertThat(classes.contain(Mlp.class)).isFalse();
    assertThat(classes.contain(Main.class)).isFalse();
    DEPLOYMENT.check(classes);
  }

  @Test
  void eachRuleRejectsADeliberatelyBadClass() {
    assertRejects(UsesForName.class, NO_REFLECTION, "forName");
    assertRejects(UsesGetMethod.class, NO_REFLECTION, "getMethod");
    assertRejects(UsesMethodHandles.class, NO_INVOKE, "MethodHandles");
    assertRejects(UsesServiceLoader.class, NO_SERVICE_LOADER, "ServiceLoader");
    assertRejects(UsesClassLoader.class, NO_CLASS_LOADERS, "ClassLoader");
    assertRejects(HasNativeMethod.class, NO_NATIVE_METHODS, "native");
    assertRejects(LoadsLibrary.class, NO_NATIVE_LIBRARIES, "loadLibrary");
    // ... and the composite rule rejects each of them too.
    for (Class<?> bad : new Class<?>[] {UsesForName.class, UsesGetMethod.class, UsesMethodHandles.class,
        UsesServiceLoader.class, UsesClassLoader.class, HasNativeMethod.class, LoadsLibrary.class}) {
      assertRejects(bad, DEPLOYMENT, bad.getSimpleName());
    }
  }

  @Test
  void lambdasAndMethodReferencesAreAllowed() {
    DEPLOYMENT.check(new ClassFileImporter().importClasses(UsesLambda.class));
  }

  private static void assertRejects(Class<?> bad, ArchRule rule, String expectedInMessage) {
    JavaClasses classes = new ClassFileImporter().importClasses(bad);
    AssertionError e = assertThrows(AssertionError.class, () -> rule.check(classes), bad.getName());
    assertThat(e).hasMessageThat().contains(expectedInMessage);
  }
}
