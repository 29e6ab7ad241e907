package dev.flinkalbert.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flinkalbert.flink.AlbertClassifier;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The operator options every job shares: one spelling each (the earlier ones still parse, hidden from help), and
 * defaults read from the library.
 */
class OperatorOptionsTest {

    private static final String[] REQUIRED = {"--input-topic", "i", "--output-topic", "o", "--dead-letter-topic", "d",
        "--model-dir", "m"};

    private static ClassifyJob parse(String... args) {
        ClassifyJob job = new ClassifyJob();
        String[] all = new String[REQUIRED.length + args.length];
        System.arraycopy(REQUIRED, 0, all, 0, REQUIRED.length);
        System.arraycopy(args, 0, all, REQUIRED.length, args.length);
        new CommandLine(job).parseArgs(all);
        return job;
    }

    @Test
    void defaultsAreTheLibrarys() {
        ClassifyJob job = parse();
        assertEquals(32, job.operator.batchSize());        // the documented defaults
        assertEquals(4, job.operator.flushBatches);
        assertEquals(Duration.ofMillis(20), job.operator.linger());
        assertEquals(8192, job.operator.tokenBudget);
        assertEquals("cpu", job.operator.device);
        assertEquals(1, job.operator.intraOpThreads);
        assertNull(job.operator.maxLength);
        assertEquals(Duration.ofSeconds(10), job.checkpointInterval());
    }

    @Test
    void earlierSpellingsStillParse() {
        ClassifyJob job = parse("--max-batch-size", "5", "--max-linger-ms", "7", "--checkpoint-interval-ms", "300");
        assertEquals(5, job.operator.batchSize());
        assertEquals(Duration.ofMillis(7), job.operator.linger());
        assertEquals(Duration.ofMillis(300), job.checkpointInterval());
        ClassifyJob current = parse("--batch-size", "6", "--linger-ms", "8", "--checkpoint-interval", "2s");
        assertEquals(6, current.operator.batchSize());
        assertEquals(Duration.ofMillis(8), current.operator.linger());
        assertEquals(Duration.ofSeconds(2), current.checkpointInterval());
    }

    @Test
    void helpShowsOneSpellingPerOptionWithItsDefault() {
        String usage = new CommandLine(new ClassifyJob()).getUsageMessage().replaceAll("\\s+", " ");
        assertTrue(usage.contains("--linger-ms=MS Longest wait of a batch's first record (default: 20)"), usage);
        assertTrue(usage.contains("--batch-size=N Records per ONNX Runtime call (default: 32)"), usage);
        assertFalse(usage.contains("--max-linger-ms"), usage);
        assertFalse(usage.contains("--max-batch-size"), usage);
        assertFalse(usage.contains("--checkpoint-interval-ms"), usage);
    }

    @Test
    void appliedToAnOperatorBuilder() {
        ClassifyJob job = parse("--batch-size", "8", "--token-budget", "512", "--max-length", "64");
        AlbertClassifier classifier = job.operator
                .applyTo(AlbertClassifier.builder().modelDirectory(Path.of("m")), "name").build();
        assertEquals(8, classifier.task().limits().maxBatchSize());
        assertEquals(512, classifier.task().limits().tokenBudget());
        assertEquals(64, classifier.task().limits().maxLength());
    }
}
