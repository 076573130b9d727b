#!/bin/sh
# Builds the benchmark jar and runs SparkBench: rows per second of KilnTransformer on Spark local[2] (digits CNN,
# MobileNetV2; Kiln, Kiln with the Vector API kernels, ONNX Runtime behind the same transformer), next to each
# engine alone in one JVM with two threads. Arguments go to SparkBench: --rounds N, --models cnn,mnv2.
# Set MVN_FLAGS=-o to build offline, MVN_REPO=DIR to build with another local Maven repository.
set -eu
cd "$(dirname "$0")/.."
mvn -q -B ${MVN_FLAGS:-} ${MVN_REPO:+-Dmaven.repo.local=$MVN_REPO} -Pbench install -DskipTests -pl runtime-vector,processor,example-app,spark,benchmarks -am
# The JVM options Spark's launcher uses on Java 17+, kept in the root pom as spark.jvm.options.
SPARK_JVM_OPTIONS=$(sed -n 's:.*<spark.jvm.options>\(.*\)</spark.jvm.options>.*:\1:p' pom.xml)
exec java $SPARK_JVM_OPTIONS -Xmx6g -cp benchmarks/target/benchmarks.jar dev.kiln.bench.SparkBench "$@"
