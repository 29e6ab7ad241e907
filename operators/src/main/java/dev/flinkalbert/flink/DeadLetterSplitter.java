package dev.flinkalbert.flink;

import dev.flinkalbert.avro.DeadLetter;

import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;

/** Emits rights as results and lefts to the {@link MicroBatching#DEAD_LETTERS} side output, timestamps kept. */
final class DeadLetterSplitter<OUT> extends ProcessFunction<Either<DeadLetter, OUT>, OUT> {

    private static final long serialVersionUID = 1L;

    @Override
    public void processElement(Either<DeadLetter, OUT> value, Context ctx, Collector<OUT> out) {
        if (value.isRight()) {
            out.collect(value.right());
        } else {
            ctx.output(MicroBatching.DEAD_LETTERS, value.left());
        }
    }
}
