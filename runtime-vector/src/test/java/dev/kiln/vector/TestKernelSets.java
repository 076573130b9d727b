package dev.kiln.vector;

import dev.kiln.kernels.KernelSet;

/** The vector kernel sets the numerical tests run: one, two and three threads, so that every split is exercised. */
final class TestKernelSets {
  private TestKernelSets() {}

  static KernelSet[] open() {
    return new KernelSet[] {VectorKernels.FACTORY.create(1), VectorKernels.FACTORY.create(2),
        VectorKernels.FACTORY.create(3)};
  }

  static void close(KernelSet[] sets) {
    for (KernelSet k : sets) k.close();
  }
}
