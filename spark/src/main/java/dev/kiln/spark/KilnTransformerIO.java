package dev.kiln.spark;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWriter;
import scala.Option;

/**
 * Saving and loading a {@link KilnTransformer} the Spark ML way: the params as Spark's standard
 * {@code metadata/} JSON, and the {@link SessionFactory} Java-serialized in {@code factory/factory.ser}, both
 * through Hadoop's file system so that any path Spark can write works.
 */
final class KilnTransformerIO {
  private KilnTransformerIO() {}

  static final String FACTORY_FILE = "factory/factory.ser";

  static final class Writer extends MLWriter {
    private final KilnTransformer instance;

    Writer(KilnTransformer instance) {
      this.instance = instance;
    }

    @Override
    public void saveImpl(String path) {
      DefaultParamsWriter.saveMetadata(instance, path, sparkSession());
      Path file = new Path(path, FACTORY_FILE);
      try {
        FileSystem fs = file.getFileSystem(sc().hadoopConfiguration());
        try (OutputStream out = fs.create(file, true)) {
          out.write(FactoryBytes.serialize(instance.factory()));
        }
      } catch (IOException e) {
        throw new UncheckedIOException("Kiln: cannot write " + file, e);
      }
    }
  }

  static final class Reader extends MLReader<KilnTransformer> {
    @Override
    public KilnTransformer load(String path) {
      DefaultParamsReader.Metadata metadata =
          DefaultParamsReader.loadMetadata(path, sparkSession(), KilnTransformer.class.getName());
      Path file = new Path(path, FACTORY_FILE);
      byte[] bytes;
      try {
        FileSystem fs = file.getFileSystem(sc().hadoopConfiguration());
        try (InputStream in = fs.open(file)) {
          bytes = readAll(in);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("Kiln: cannot read the SessionFactory of a saved KilnTransformer from " + file, e);
      }
      KilnTransformer t = new KilnTransformer(metadata.uid(), new SharedSession(FactoryBytes.deserialize(bytes, file.toString())));
      metadata.getAndSetParams(t, Option.empty());
      return t;
    }
  }

  private static byte[] readAll(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    for (int n; (n = in.read(buf)) > 0; ) out.write(buf, 0, n);
    return out.toByteArray();
  }
}
