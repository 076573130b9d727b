#!/bin/sh
# Builds the benchmark jar and runs everything (output check, JMH model and GEMM benchmarks, cold starts),
# printing Markdown tables; they are also written to benchmarks/target/results.md.
# Arguments go to RunAll, e.g. --quick, --models mlp,cnn, --engines kiln,ort, --no-gemm, --no-cold.
# Set MVN_FLAGS=-o to build offline once the dependencies are in ~/.m2.
set -eu
cd "$(dirname "$0")/.."
# The processor must be installed: the benchmarks find it through annotationProcessorPaths.
mvn -q -B ${MVN_FLAGS:-} -Pbench install -DskipTests -pl runtime-vector,processor,example-app,benchmarks -am
exec java --add-modules jdk.incubator.vector -jar benchmarks/target/benchmarks.jar --out benchmarks/target/results.md "$@"
