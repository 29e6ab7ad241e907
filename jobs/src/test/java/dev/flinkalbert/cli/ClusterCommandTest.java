package dev.flinkalbert.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./albert cluster} without a cluster: one message naming the fix, no stack trace. (The cluster itself runs in
 * {@code LocalClusterIT}, after {@code package}.)
 */
class ClusterCommandTest {

    @Test
    void statusAndStopOfAHomeWithoutAClusterSayWhatToDo(@TempDir Path home) {
        for (String command : new String[] {"status", "stop", "add-taskmanager"}) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            PrintStream original = System.err;
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int exit;
            try {
                exit = AlbertCli.commandLine().execute("cluster", command, "--home", home.toString());
            } finally {
                System.setErr(original);
            }
            String message = err.toString(StandardCharsets.UTF_8);
            assertEquals(1, exit, message);
            assertTrue(message.startsWith("albert cluster: No cluster was started from " + home)
                    && message.contains("'./albert cluster start'") && !message.contains("\tat "), message);
        }
    }

    /**
     * A home with its own lib/ that lacks the Prometheus reporter conf/config.yaml names (e.g. one laid out before
     * that reporter existed) would run without metrics, or Flink's reporter on every interface: start refuses it
     * before any process runs, naming the jar and the fix.
     */
    @Test
    void startWithALibWithoutTheLoopbackPrometheusReporterSaysWhatToDo(@TempDir Path home) throws Exception {
        Files.createDirectories(home.resolve("lib"));
        Files.writeString(home.resolve("lib/flink-dist-2.2.1.jar"), "");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream original = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = AlbertCli.commandLine().execute("cluster", "start", "--no-broker", "--home", home.toString());
        } finally {
            System.setErr(original);
        }
        String message = err.toString(StandardCharsets.UTF_8);
        assertEquals(1, exit, message);
        Path lib = home.resolve("lib");
        assertTrue(message.startsWith("albert cluster: " + lib + " has no flink-albert-prometheus-reporter-")
                && message.contains("remove " + lib) && !message.contains("\tat "), message);
        assertTrue(Files.notExists(home.resolve("run/jobmanager.pid")), "nothing was started");
    }
}
