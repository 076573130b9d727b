package dev.kiln.conformance.models;

import dev.kiln.*;
import dev.kiln.layers.*;

/**
 * The sequence models of {@code sequence-fixtures.json}, as a user writes them: token ids of any length
 * ({@code @Shape({-1, -1}, INT32)}) into {@code Embedding(12, 5).maskZero(true)} and one sequence layer, or float steps
 * into {@code Masking} or {@code TimeDistributed}. Field names are the fixture's weight prefixes.
 */
public final class SequenceZoo {
  private SequenceZoo() {}

  public static final class LstmLast extends Model {
    @Layer final Embedding embed = new Embedding(12, 5).maskZero(true);
    @Layer final LSTM rnn = new LSTM(4);

    @Call
    public Tensor call(@Shape(value = {-1, -1}, dtype = DType.INT32) Tensor tokens) {
      return rnn.apply(embed.apply(tokens));
    }
  }

  public static final class LstmSequencesBackwards extends Model {
    @Layer final Embedding embed = new Embedding(12, 5).maskZero(true);
    @Layer final LSTM rnn = new LSTM(4).returnSequences(true).goBackwards(true);

    @Call
    public Tensor call(@Shape(value = {-1, -1}, dtype = DType.INT32) Tensor tokens) {
      return rnn.apply(embed.apply(tokens));
    }
  }

  public static final class LstmStates extends Model {
    @Layer final Embedding embed = new Embedding(12, 5).maskZero(true);
    @Layer final LSTM rnn = new LSTM(3).returnSequences(true).returnState(true);

    @Call
    public Tensor[] states(@Shape(value = {-1, -1}, dtype = DType.INT32) Tensor tokens) {
      return rnn.applyAll(embed.apply(tokens));
    }
  }

  public static final class LstmNoBiasRelu extends Model {
    @Layer final Embedding embed = new Embedding(12, 5).maskZero(true);
    @Layer final LSTM rnn = new LSTM(3).useBias(false).activation(Activation.RELU);

    @Call
    public Tensor call(@Shape(value = {-1, -1}, dtype = DType.INT32) Tensor tokens) {
      return rnn.apply(embed.apply(tokens));
    }
  }

  public static final class GruResetBeforeSequences extends Model {
    @Layer final Embedding embed = new Embedding(12, 5).maskZero(true);
    @Layer final GRU rnn = new GRU(4).resetAfter(false).returnSequences(true);

    @Call
    public Tensor call(@Shape(value = {-1, -1}, dtype = DType.INT32) Tensor tokens) {
      return rnn.apply(embed.apply(tokens));
    }
  }

  public static final class GruResetBeforeStatesBackwards extends Model {
    @Layer final Embedding embed = new Embedding(12, 5).maskZero(true);
    @Layer final GRU rnn = new GRU(3).resetAfter(false).returnState(true).goBackwards(true);

    @Call
    public Tensor[] states(@Shape(value = {-1, -1}, dtype = DType.INT32) Tensor tokens) {
      return rnn.applyAll(embed.apply(tokens));
    }
  }

  public static final class SimpleRnnSequences extends Model {
    @Layer final Embedding embed = new Embedding(12, 5).maskZero(true);
    @Layer final SimpleRNN rnn = new SimpleRNN(4).returnSequences(true);

    @Call
    public Tensor call(@Shape(value = {-1, -1}, dtype = DType.INT32) Tensor tokens) {
      return rnn.apply(embed.apply(tokens));
    }
  }

  public static final class SimpleRnnReluLast extends Model {
    @Layer final Embedding embed = new Embedding(12, 5).maskZero(true);
    @Layer final SimpleRNN rnn = new SimpleRNN(3).activation(Activation.RELU);

    @Call
    public Tensor call(@Shape(value = {-1, -1}, dtype = DType.INT32) Tensor tokens) {
      return rnn.apply(embed.apply(tokens));
    }
  }

  public static final class BiLstmConcat extends Model {
    @Layer final Embedding embed = new Embedding(12, 5).maskZero(true);
    @Layer final Bidirectional bi = new Bidirectional(new LSTM(3).returnSequences(true)).mergeMode(MergeMode.CONCAT);

    @Call
    public Tensor call(@Shape(value = {-1, -1}, dtype = DType.INT32) Tensor tokens) {
      return bi.apply(embed.apply(tokens));
    }
  }

  public static final class BiLstmSum extends Model {
    @Layer final Embedding embed = new Embedding(12, 5).maskZero(true);
    @Layer final Bidirectional bi = new Bidirectional(new LSTM(3).returnSequences(true)).mergeMode(MergeMode.SUM);

    @Call
    public Tensor call(@Shape(value = {-1, -1}, dtype = DType.INT32) Tensor tokens) {
      return bi.apply(embed.apply(tokens));
    }
  }

  public static final class BiLstmMul extends Model {
    @Layer final Embedding embed = new Embedding(12, 5).maskZero(true);
    @Layer final Bidirectional bi = new Bidirectional(new LSTM(3).returnSequences(true)).mergeMode(MergeMode.MUL);

    @Call
    public Tensor call(@Shape(value = {-1, -1}, dtype = DType.INT32) Tensor tokens) {
      return bi.apply(embed.apply(tokens));
    }
  }

  public static final class BiLstmAve extends Model {
    @Layer final Embedding embed = new Embedding(12, 5).maskZero(true);
    @Layer final Bidirectional bi = new Bidirectional(new LSTM(3).returnSequences(true)).mergeMode(MergeMode.AVE);

    @Call
    public Tensor call(@Shape(value = {-1, -1}, dtype = DType.INT32) Tensor tokens) {
      return bi.apply(embed.apply(tokens));
    }
  }

  public static final class BiGruLast extends Model {
    @Layer final Embedding embed = new Embedding(12, 5).maskZero(true);
    @Layer final Bidirectional bi = new Bidirectional(new GRU(3).resetAfter(false));

    @Call
    public Tensor call(@Shape(value = {-1, -1}, dtype = DType.INT32) Tensor tokens) {
      return bi.apply(embed.apply(tokens));
    }
  }

  public static final class MaxPoolTokens extends Model {
    @Layer final Embedding embed = new Embedding(12, 5).maskZero(true);
    @Layer final GlobalMaxPooling1D pool = new GlobalMaxPooling1D();

    @Call
    public Tensor call(@Shape(value = {-1, -1}, dtype = DType.INT32) Tensor tokens) {
      return pool.apply(embed.apply(tokens));
    }
  }

  public static final class AveragePoolTokens extends Model {
    @Layer final Embedding embed = new Embedding(12, 5).maskZero(true);
    @Layer final GlobalAveragePooling1D pool = new GlobalAveragePooling1D();

    @Call
    public Tensor call(@Shape(value = {-1, -1}, dtype = DType.INT32) Tensor tokens) {
      return pool.apply(embed.apply(tokens));
    }
  }

  public static final class MaskingLstmStates extends Model {
    @Layer final Masking masking = new Masking(0f);
    @Layer final LSTM rnn = new LSTM(3).returnState(true);

    @Call
    public Tensor[] states(@Shape({-1, -1, 4}) Tensor steps) {
      return rnn.applyAll(masking.apply(steps));
    }
  }

  public static final class TimeDistributedDense extends Model {
    @Layer final TimeDistributed td = new TimeDistributed(new Dense(3).activation(Activation.RELU));

    @Call
    public Tensor call(@Shape({-1, -1, 4}) Tensor steps) {
      return td.apply(steps);
    }
  }

  // Units that are whole vectors: kiln-runtime-vector's recurrent steps (the others above take its fallback).

  public static final class LstmWideSequences extends Model {
    @Layer final Embedding embed = new Embedding(12, 5).maskZero(true);
    @Layer final LSTM rnn = new LSTM(16).returnSequences(true);

    @Call
    public Tensor call(@Shape(value = {-1, -1}, dtype = DType.INT32) Tensor tokens) {
      return rnn.apply(embed.apply(tokens));
    }
  }

  public static final class LstmWideStatesBackwards extends Model {
    @Layer final Embedding embed = new Embedding(12, 5).maskZero(true);
    @Layer final LSTM rnn = new LSTM(8).returnState(true).goBackwards(true);

    @Call
    public Tensor[] states(@Shape(value = {-1, -1}, dtype = DType.INT32) Tensor tokens) {
      return rnn.applyAll(embed.apply(tokens));
    }
  }

  public static final class GruResetBeforeWideSequences extends Model {
    @Layer final Embedding embed = new Embedding(12, 5).maskZero(true);
    @Layer final GRU rnn = new GRU(16).resetAfter(false).returnSequences(true);

    @Call
    public Tensor call(@Shape(value = {-1, -1}, dtype = DType.INT32) Tensor tokens) {
      return rnn.apply(embed.apply(tokens));
    }
  }

  public static final class SimpleRnnWideSequences extends Model {
    @Layer final Embedding embed = new Embedding(12, 5).maskZero(true);
    @Layer final SimpleRNN rnn = new SimpleRNN(32).returnSequences(true);

    @Call
    public Tensor call(@Shape(value = {-1, -1}, dtype = DType.INT32) Tensor tokens) {
      return rnn.apply(embed.apply(tokens));
    }
  }

  public static final class BiLstmWideConcat extends Model {
    @Layer final Embedding embed = new Embedding(12, 5).maskZero(true);
    @Layer final Bidirectional bi = new Bidirectional(new LSTM(8).returnSequences(true)).mergeMode(MergeMode.CONCAT);

    @Call
    public Tensor call(@Shape(value = {-1, -1}, dtype = DType.INT32) Tensor tokens) {
      return bi.apply(embed.apply(tokens));
    }
  }
}
