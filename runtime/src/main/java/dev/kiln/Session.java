package dev.kiln;

import java.util.List;
import java.util.Map;

/**
 * TensorFlow 1's {@code Session.run}, in Java: evaluates any tensors of a compiled model's {@link Graph},
 * feeding any of them. Every generated {@code Kiln<Model>} class implements it; get the graph with the
 * class's static {@code graph()}.
 *
 * <pre>{@code
 * Graph graph = KilnMlp.graph();
 * try (Session sess = KilnMlp.open(weights)) {
 *   Tensor out = sess.run(graph.output(), Collections.singletonMap(graph.placeholder("x"), pixels));
 *   Map<String, Tensor> both = sess.run(map("probs", graph.output(), "hidden", "hidden/Relu:0"), feeds);
 * }
 * }</pre>
 *
 * <h2>Fetches</h2>
 * A fetch is an {@link Output} (gives a {@link Tensor}), an {@link Operation} (runs it, gives {@code null}),
 * a {@code String} name ({@code "hidden/Relu:0"} is a tensor, {@code "hidden/Relu"} an operation), or any
 * nesting of {@code List}s, arrays ({@code Object[]}) and {@code Map}s of those. The result has the same
 * structure: lists become {@code ArrayList}s, arrays {@code Object[]}, maps {@code LinkedHashMap}s with the
 * same keys in the same order. A {@code Map} fetch is typed {@code Map<K, Tensor>}; when its values are
 * themselves lists or maps, the result's values are the matching lists and maps (an unchecked view).
 *
 * <h2>Feeds</h2>
 * The feed map's keys are {@link Output}s or tensor names; as a convenience a plain operation name
 * ({@code "x"}) means its first output ({@code "x:0"}). Any tensor of the graph may be fed, not only
 * placeholders: the fed value overrides it and what only produced it is not computed. Values are
 * {@link Tensor}s, nested Java arrays ({@code float[]} to {@code float[][][][]}, {@code int[]} to
 * {@code int[][][][]}, {@code boolean[]}) or scalars ({@code Float}, {@code Double}, {@code Integer},
 * {@code Boolean}); ints are converted to {@code float32} where that is fed, any other conversion is an error.
 * A fed value must fit the static shape ({@code -1} matches any size) and dtype of the tensor it feeds, and
 * every placeholder that a fetch needs must be fed.
 *
 * <h2>Errors</h2>
 * A fetch or feed of the wrong kind (TensorFlow's {@code TypeError}), an unknown name, a value whose shape
 * or dtype does not fit, or a missing feed ({@code ValueError}) throw {@link IllegalArgumentException} naming
 * the element, what was expected and what was given. A closed session throws {@link IllegalStateException}.
 * After any error the session still works. A session may be used from several threads at once.
 *
 * <h2>Options and metadata</h2>
 * The two-argument forms use {@link RunOptions#defaults()}. {@code metadata} may be {@code null}; otherwise
 * the run replaces its content (with one step per executed node under {@link RunOptions#trace()}). A
 * {@code null} feed map means no feeds.
 */
public interface Session extends AutoCloseable {
  /** The value of one tensor. */
  Tensor run(Output fetch, Map<?, ?> feeds, RunOptions options, RunMetadata metadata);

  /** The value of the tensor called {@code fetch} ({@code "hidden/Relu:0"}); {@code null} for an operation name. */
  Tensor run(String fetch, Map<?, ?> feeds, RunOptions options, RunMetadata metadata);

  /** Runs {@code fetch} and what it needs; always {@code null}. */
  Object run(Operation fetch, Map<?, ?> feeds, RunOptions options, RunMetadata metadata);

  /** A map with the same keys, in the same order, to the fetched values. */
  <K> Map<K, Tensor> run(Map<K, ?> fetches, Map<?, ?> feeds, RunOptions options, RunMetadata metadata);

  /** A list of the fetched values ({@code Tensor}s, {@code null}s for operations, nested lists/arrays/maps). */
  List<Object> run(List<?> fetches, Map<?, ?> feeds, RunOptions options, RunMetadata metadata);

  /** An array of the fetched values ({@code Tensor}s, {@code null}s for operations, nested lists/arrays/maps). */
  Object[] run(Object[] fetches, Map<?, ?> feeds, RunOptions options, RunMetadata metadata);

  default Tensor run(Output fetch, Map<?, ?> feeds) {
    return run(fetch, feeds, RunOptions.defaults(), null);
  }

  default Tensor run(String fetch, Map<?, ?> feeds) {
    return run(fetch, feeds, RunOptions.defaults(), null);
  }

  default Object run(Operation fetch, Map<?, ?> feeds) {
    return run(fetch, feeds, RunOptions.defaults(), null);
  }

  default <K> Map<K, Tensor> run(Map<K, ?> fetches, Map<?, ?> feeds) {
    return run(fetches, feeds, RunOptions.defaults(), null);
  }

  default List<Object> run(List<?> fetches, Map<?, ?> feeds) {
    return run(fetches, feeds, RunOptions.defaults(), null);
  }

  default Object[] run(Object[] fetches, Map<?, ?> feeds) {
    return run(fetches, feeds, RunOptions.defaults(), null);
  }

  /**
   * The static graph this session runs: the same graph as the generated class's static {@code graph()} (an
   * instance method cannot share that name), for code that holds a session but not its class, such as a Spark
   * transformer that reads the placeholders' and outputs' shapes. Works on a closed session too.
   */
  Graph staticGraph();

  /** Releases the session; idempotent. {@code run} afterwards throws {@link IllegalStateException}. */
  @Override
  void close();
}
