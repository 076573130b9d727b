package dev.kiln.io;

import dev.kiln.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;

/**
 * Reads NumPy {@code .npz} archives: a zip of {@code name.npy} entries, stored or deflated, as {@code np.savez}
 * and {@code np.savez_compressed} write them (to a file or to an unseekable stream: stored entries with a
 * data descriptor). Each weight is named after its entry without {@code .npy}; directory entries are
 * skipped, other entries are an error. Supported element types: {@code <f4}, {@code <i4}, {@code |b1},
 * {@code <f2} (widened to float32) and {@code <f8} (narrowed to float32, rounding to nearest; values beyond
 * the float32 range become infinities). C order only.
 *
 * <p>The archive is read front to back by {@link ZipStream}, and its central directory must agree with the
 * entries. Deflate can expand data about 1000-fold, so decompression is bounded: the arrays of one archive
 * may take at most {@link #ALLOWANCE} bytes plus {@link #MAX_EXPANSION} times the archive's size (checked
 * against each array's declared size before it is allocated when the file's size is known, and against the
 * compressed bytes read so far, as data is inflated, for a stream).
 *
 * <p>Internal to {@link dev.kiln.Weights}; use that class.
 */
public final class NpzReader {
  /** Array bytes any archive may hold, however small: 16 MiB. */
  public static final long ALLOWANCE = 16L << 20;
  /** How many times its own size an archive may expand to, beyond {@link #ALLOWANCE}. */
  public static final int MAX_EXPANSION = 32;

  private NpzReader() {}

  /**
   * Reads every array in archive order. {@code knownLength} is the archive's size when known (a file), else
   * {@code -1}; {@code source} names the input in messages; {@code in} is not closed.
   */
  public static LinkedHashMap<String, Tensor> read(InputStream in, long knownLength, String source) throws IOException {
    ZipStream zip = new ZipStream(in, source, ALLOWANCE, MAX_EXPANSION);
    long budget = knownLength >= 0 ? ALLOWANCE + MAX_EXPANSION * knownLength : -1;
    long used = 0;
    LinkedHashMap<String, Tensor> out = new LinkedHashMap<String, Tensor>();
    ZipStream.Entry entry;
    while ((entry = zip.next()) != null) {
      String entryName = entry.name;
      String what = source + ", entry '" + entryName + "'";
      if (!entry.isDirectory()) {
        if (!entryName.endsWith(".npy")) {
          throw new WeightsFormatException(what + ": not a .npy array (npz entries must be named name.npy)");
        }
        String name = entryName.substring(0, entryName.length() - 4);
        if (out.containsKey(name)) throw new WeightsFormatException(what + ": duplicate weight '" + name + "'");
        InputStream data = zip.data();
        NpyHeader h = NpyHeader.read(data, what);
        int[] shape = checkHeader(h, what);
        long stored = (long) DataReader.count(shape) * h.encoding().size;
        if (!entry.descriptor && stored > entry.size) {
          throw new WeightsFormatException(what + ": shape " + java.util.Arrays.toString(shape) + " needs " + stored
              + " bytes of data but the whole entry is " + entry.size + " bytes");
        }
        long bytes = 4L * DataReader.count(shape); // every dtype takes 4 bytes per element in a Tensor
        if (budget >= 0 && used + bytes > budget) {
          throw new WeightsFormatException(what + ": shape " + java.util.Arrays.toString(shape) + " needs " + bytes
              + " bytes, which would take the archive's arrays past " + budget + " bytes (" + ALLOWANCE + " plus "
              + MAX_EXPANSION + " times the file's " + knownLength + " bytes; a zip bomb?)");
        }
        used += bytes;
        out.put(name, DataReader.readTensor(data, h.encoding(), shape, budget >= 0, what));
        if (entry.hasKnownEnd() && data.read() >= 0) {
          throw new WeightsFormatException(what + ": trailing bytes after the array data");
        }
      }
      zip.closeEntry();
    }
    return out;
  }

  private static int[] checkHeader(NpyHeader h, String what) throws WeightsFormatException {
    if (h.encoding() == null) {
      throw new WeightsFormatException(
          what + ": unsupported .npy dtype '" + h.descr + "' (supported: " + NpyHeader.SUPPORTED + ")");
    }
    if (h.fortranOrder) {
      throw new WeightsFormatException(what + ": fortran_order True is not supported (only C-order arrays); "
          + "save with numpy.ascontiguousarray");
    }
    return DataReader.checkShape(h.shape, what);
  }
}
