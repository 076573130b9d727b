package dev.kiln;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What a {@link Session#run} call recorded (TensorFlow's {@code RunMetadata}). Pass one to {@code run}: every
 * call that receives it replaces its content, with one {@link StepStats} per executed node when the options
 * are {@link RunOptions#trace()} and with nothing otherwise. Thread-safe, but a metadata object shared by
 * concurrent runs holds whichever run finished last.
 */
public final class RunMetadata {
  private List<StepStats> steps = Collections.emptyList();

  public RunMetadata() {}

  /** The recorded steps, in execution order (a snapshot). */
  public synchronized List<StepStats> steps() {
    return steps;
  }

  /** Forgets the recorded steps. */
  public synchronized void clear() {
    steps = Collections.emptyList();
  }

  /** Replaces the recorded steps; used by sessions at the end of a run. */
  public synchronized void setSteps(List<StepStats> newSteps) {
    steps = Collections.unmodifiableList(new ArrayList<StepStats>(newSteps));
  }

  /**
   * The steps in Chrome's trace event format, for {@code chrome://tracing} or Perfetto: one complete
   * ({@code "ph":"X"}) event per step, times in microseconds since the run began.
   */
  public String toChromeTraceJson() {
    List<StepStats> s = steps();
    StringBuilder sb = new StringBuilder("{\"traceEvents\":[");
    for (int i = 0; i < s.size(); i++) {
      StepStats st = s.get(i);
      if (i > 0) sb.append(',');
      sb.append("{\"name\":");
      jsonString(sb, st.name());
      sb.append(",\"cat\":");
      jsonString(sb, st.op());
      sb.append(",\"ph\":\"X\",\"ts\":");
      micros(sb, st.startNanos());
      sb.append(",\"dur\":");
      micros(sb, st.durationNanos());
      sb.append(",\"pid\":0,\"tid\":").append(st.threadId());
      sb.append(",\"args\":{\"op\":");
      jsonString(sb, st.op());
      sb.append(",\"output_bytes\":").append(st.outputBytes()).append("}}");
    }
    return sb.append("]}").toString();
  }

  @Override
  public String toString() {
    return "RunMetadata" + steps();
  }

  private static void micros(StringBuilder sb, long nanos) {
    if (nanos < 0) {
      sb.append('-');
      nanos = -nanos;
    }
    long frac = nanos % 1000;
    sb.append(nanos / 1000).append('.');
    if (frac < 100) sb.append('0');
    if (frac < 10) sb.append('0');
    sb.append(frac);
  }

  private static void jsonString(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"': sb.append("\\\""); break;
        case '\\': sb.append("\\\\"); break;
        case '\n': sb.append("\\n"); break;
        case '\r': sb.append("\\r"); break;
        case '\t': sb.append("\\t"); break;
        default:
          if (c < 0x20 || c == 0x2028 || c == 0x2029) {
            String hex = Integer.toHexString(c);
            sb.append("\\u");
            for (int k = hex.length(); k < 4; k++) sb.append('0');
            sb.append(hex);
          } else {
            sb.append(c);
          }
      }
    }
    sb.append('"');
  }

  /** One executed node: its name, op type, when it started (since the run began), how long it took. */
  public static final class StepStats {
    private final String name;
    private final String op;
    private final long startNanos;
    private final long durationNanos;
    private final long outputBytes;
    private final long threadId;

    public StepStats(String name, String op, long startNanos, long durationNanos, long outputBytes, long threadId) {
      this.name = name;
      this.op = op;
      this.startNanos = startNanos;
      this.durationNanos = durationNanos;
      this.outputBytes = outputBytes;
      this.threadId = threadId;
    }

    /** The node name, {@code hidden/Relu}. */
    public String name() {
      return name;
    }

    /** The op type, {@code Relu}. */
    public String op() {
      return op;
    }

    /** Nanoseconds from the start of the run to the start of this step. */
    public long startNanos() {
      return startNanos;
    }

    public long durationNanos() {
      return durationNanos;
    }

    /** Bytes of the node's outputs (elements times {@link DType#byteSize()}). */
    public long outputBytes() {
      return outputBytes;
    }

    /** The id of the thread that executed the step. */
    public long threadId() {
      return threadId;
    }

    @Override
    public String toString() {
      return name + " (" + op + ") +" + startNanos + "ns " + durationNanos + "ns " + outputBytes + "B";
    }
  }
}
