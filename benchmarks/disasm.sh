#!/bin/sh
# Disassembles C2's last compilation of one method, without hsdis: HotSpot prints the machine code as hex
# (-XX:CompileCommand=print), and objdump decodes it. Used to read what C2 made of a kernel's inner loop
# (bounds checks left in, spills, unrolling); see benchmarks/README.md.
#   benchmarks/disasm.sh OUT Class::method java-arguments...
# e.g. benchmarks/disasm.sh /tmp/b6.s dev.kiln.vector.Sgemm::directBlock6 --add-modules jdk.incubator.vector \
#        -cp benchmarks/target/benchmarks.jar dev.kiln.bench.CnnKernelProbe 64 vector 1
# Writes OUT (objdump's listing) and prints how many vfmadd instructions it holds. Needs binutils (objdump) and xxd.
set -eu
out=$1
method=$2
shift 2
java -XX:+UnlockDiagnosticVMOptions "-XX:CompileCommand=print,$method" "$@" > "$out.raw" 2>&1 || true
# the last complete (not on-stack-replacement) C2 compilation, else the last C2 one
start=$(grep -n "Compiled method (c2)" "$out.raw" | grep -v " % " | tail -1 | cut -d: -f1)
[ -n "$start" ] || start=$(grep -n "Compiled method (c2)" "$out.raw" | tail -1 | cut -d: -f1)
[ -n "$start" ] || { echo "no C2 compilation of $method in $out.raw" >&2; exit 1; }
sed -n "$start,\$p" "$out.raw" | awk 'NR > 1 && /^Compiled method/ { exit } { print }' \
  | grep -E '^  0x[0-9a-f]+: ' | sed -E 's/^  0x[0-9a-f]+: ([^;]*).*/\1/' | tr -d ' |\n' | xxd -r -p > "$out.bin"
objdump -D -b binary -mi386:x86-64 "$out.bin" > "$out"
echo "$(grep -c vfmadd "$out" || true) vfmadd instructions in $out"
