package dev.flinkalbert.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flinkalbert.inference.ModelTask;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The demo spells its tasks and operator options as the jobs do, and still reads its earlier spellings. */
class DemoCommandOptionsTest {

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
        int code = new CommandLine(new DemoCommand()).setErr(new PrintWriter(err)).execute("--task", "ner");
        assertEquals(2, code);
        assertTrue(err.toString().contains("classify, embed, qa"), err.toString());
    }
}
