package dev.kiln.spark.example;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real standalone cluster on 127.0.0.1, started from the Maven jars (no Spark distribution): a Master and two
 * Workers of 1 core and 512 MB each, as separate JVMs, and {@code score-digits.jar} submitted to it with
 * {@code SparkSubmit}. The executors load the model from the application jar; the Parquet they write must equal
 * the typed call in this JVM on every digit. Everything it starts is stopped at the end, and it gives up after
 * four minutes.
 */
class StandaloneClusterIT {
  /** These JVMs live for seconds: they start faster with C1 alone. */
  private static final String QUICK_START = "-XX:TieredStopAtLevel=1";

  private final List<Process> started = new ArrayList<>();

  @Test
  @Timeout(value = 240, unit = TimeUnit.SECONDS)
  void scoreDigitsSubmittedToAMasterAndTwoWorkers(@TempDir Path dir) throws Exception {
    Path appJar = Path.of(System.getProperty("appJar", "target/score-digits.jar")).toAbsolutePath();
    assertThat(Files.isRegularFile(appJar)).isTrue();
    Path sparkHome = sparkHome(dir.resolve("spark-home"));
    Map<String, String> env = Map.of(
        "SPARK_HOME", sparkHome.toString(),
        "SPARK_SCALA_VERSION", "2.13",   // the worker needs it to build the executor's command
        "SPARK_LOCAL_IP", "127.0.0.1",
        "SPARK_CONF_DIR", Files.createDirectories(dir.resolve("conf")).toString(),
        "SPARK_LOCAL_DIRS", Files.createDirectories(dir.resolve("local")).toString());
    int port = freePort();
    String master = "spark://127.0.0.1:" + port;
    try {
      Path masterLog = dir.resolve("master.log");
      start(env, masterLog, "-Xmx256m", "org.apache.spark.deploy.master.Master",
          "--host", "127.0.0.1", "--port", String.valueOf(port), "--webui-port", String.valueOf(freePort()));
      awaitLine(masterLog, "I have been elected leader", 90);
      Path[] workDirs = new Path[2];
      Path[] workerLogs = new Path[2];
      for (int w = 0; w < 2; w++) {
        workDirs[w] = Files.createDirectories(dir.resolve("worker" + w));
        workerLogs[w] = dir.resolve("worker" + w + ".log");
        start(env, workerLogs[w], "-Xmx256m", "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--cores",
            "1", "--memory", "512m", "--work-dir", workDirs[w].toString(), "--webui-port", String.valueOf(freePort()),
            master);
      }
      for (Path log : workerLogs) awaitLine(log, "Successfully registered with master", 90);

      Path out = dir.resolve("scored.parquet");
      Path driverLog = dir.resolve("driver.log");
      Process driver = start(env, driverLog, "-Xmx512m", "org.apache.spark.deploy.SparkSubmit",
          "--master", master, "--deploy-mode", "client", "--class", ScoreDigits.class.getName(),
          "--conf", "spark.executor.memory=512m", "--conf", "spark.driver.host=127.0.0.1",
          "--conf", "spark.ui.enabled=false", "--conf", "spark.executor.extraJavaOptions=" + QUICK_START,
          appJar.toString(), "--out", out.toString(), "--partitions", "4", "--batch", "32");
      assertThat(driver.waitFor(150, TimeUnit.SECONDS)).isTrue();
      step("the driver exited");
      String driverOutput = Files.readString(driverLog);
      if (System.getProperty("keepClusterLogs") != null) {
        try (Stream<Path> files = Files.walk(dir)) {
          for (Path f : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".log") || f.getFileName().toString().equals("stderr"))::iterator) {
            Path copy = Path.of(System.getProperty("keepClusterLogs")).resolve(dir.relativize(f).toString().replace('/', '_'));
            Files.createDirectories(copy.getParent());
            Files.copy(f, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
          }
        }
      }
      assertWithMessage("driver output:\n%s", driverOutput).that(driver.exitValue()).isEqualTo(0);
      assertThat(driverOutput).contains("Kiln score-digits on " + master);
      assertThat(driverOutput).contains("accuracy: 0.9710 (971/1000)");

      // Each worker ran an executor that fetched the application jar (the model travels inside it).
      for (Path w : workDirs) {
        try (Stream<Path> files = Files.walk(w)) {
          assertThat(files.anyMatch(p -> p.getFileName().toString().equals("score-digits.jar"))).isTrue();
        }
      }
      ScoredDigits.assertEqualTypedCall(out);
      step("the output checked");
    } finally {
      for (Process p : started) p.destroy();
      for (Process p : started) {
        if (!p.waitFor(20, TimeUnit.SECONDS)) p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /** A SPARK_HOME whose jars/ links to the Spark jars on this test's class path (Kiln's own are left out). */
  private static Path sparkHome(Path home) throws IOException {
    Path jars = Files.createDirectories(home.resolve("jars"));
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      Path p = Path.of(entry);
      String name = p.getFileName().toString();
      boolean kiln = name.startsWith("kiln-") || name.equals("score-digits.jar") || entry.contains("/dev/kiln/");
      if (!name.endsWith(".jar") || kiln || Files.exists(jars.resolve(name))) continue;
      Files.createSymbolicLink(jars.resolve(name), p.toAbsolutePath());
    }
    return home;
  }

  private Process start(Map<String, String> env, Path log, String heap, String mainClass, String... args)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(Arrays.asList(System.getProperty("sparkJvmOptions", "").trim().split("\\s+")));
    cmd.add(heap);
    cmd.add(QUICK_START);
    cmd.add("-Dspark.master.rest.enabled=false");
    cmd.add("-cp");
    cmd.add(env.get("SPARK_HOME") + "/jars/*");
    cmd.add(mainClass);
    cmd.addAll(Arrays.asList(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env);
    Process p = pb.start();
    started.add(p);
    return p;
  }

  private final long t0 = System.nanoTime();

  /** Prints how long each step took, for the CI log. */
  private void step(String what) {
    System.out.printf("StandaloneClusterIT: %s after %.1f s%n", what, (System.nanoTime() - t0) / 1e9);
  }

  private void awaitLine(Path log, String text, int seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      if (Files.exists(log) && Files.readString(log, StandardCharsets.UTF_8).contains(text)) {
        step(log.getFileName() + ": " + text);
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("no '" + text + "' in " + log + " after " + seconds + " s:\n" + Files.readString(log));
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
