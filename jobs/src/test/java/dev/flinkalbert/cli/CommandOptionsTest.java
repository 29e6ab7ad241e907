package dev.flinkalbert.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flinkalbert.inference.ModelTask;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The demo and the pipeline bench spell their tasks and operator options as the jobs do (the same mixin), and still
 * read their earlier spellings.
 */
class CommandOptionsTest {

    @Test
    void tasksAndOptionsAreSpelledAsTheJobsSpellThem() {
        DemoCommand demo = new DemoCommand();
        new CommandLine(demo).parseArgs("--task", "qa", "--batch-size", "4", "--linger-ms", "9",
                "--checkpoint-interval", "500ms");
        assertEquals(ModelTask.QUESTION_ANSWERING, demo.task);
        assertEquals(4, demo.operator.batchSize());
        assertEquals(Duration.ofMillis(9), demo.operator.linger());
        assertEquals(Duration.ofMillis(500), demo.checkpointInterval());
    }

    @Test
    void earlierSpellingsStillParse() {
        DemoCommand demo = new DemoCommand();
        new CommandLine(demo).parseArgs("--max-batch-size", "3", "--max-linger-ms", "11",
                "--checkpoint-interval-ms", "250");
        assertEquals(3, demo.operator.batchSize());
        assertEquals(Duration.ofMillis(11), demo.operator.linger());
        assertEquals(Duration.ofMillis(250), demo.checkpointInterval());
    }

    @Test
    void anUnknownTaskIsAUsageErrorNamingTheTasks() {
        StringWriter err = new StringWriter();
        int code = new CommandLine(new DemoCommand()).setErr(new PrintWriter(err)).execute("--task", "pos");
        assertEquals(2, code);
        assertTrue(err.toString().contains("classify, embed, ner, qa"), err.toString());
    }

    @Test
    void benchPipelineTakesTheJobsOptionsWithItsOwnDefaults() {
        BenchPipelineCommand bench = new BenchPipelineCommand();
        new CommandLine(bench).parseArgs("--model-dir", "m");
        assertEquals(8, bench.operator.batchSize());                 // the bench's documented defaults
        assertEquals(16, bench.operator.flushBatches());
        assertEquals(Duration.ofMillis(50), bench.operator.linger());
        assertEquals(2, bench.operator.intraOpThreads());
        BenchPipelineCommand set = new BenchPipelineCommand();
        new CommandLine(set).parseArgs("--model-dir", "m", "--batch-size", "4", "--flush-batches", "2",
                "--linger-ms", "5", "--intra-op-threads", "1");
        assertEquals(4, set.operator.batchSize());
        assertEquals(2, set.operator.flushBatches());
        assertEquals(Duration.ofMillis(5), set.operator.linger());
        assertEquals(1, set.operator.intraOpThreads());
    }
}
