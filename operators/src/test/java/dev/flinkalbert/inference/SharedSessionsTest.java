package dev.flinkalbert.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flinkalbert.testing.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** One session per (model file, settings) per JVM, reference-counted; CUDA falls back; long command lines work. */
class SharedSessionsTest {

    private static final float TOLERANCE = 1e-4f;

    @Test
    void modelsAndEncodersShareOneSessionUntilTheLastReleasesIt() throws Exception {
        Path dir = Fixtures.require("hf-albert-tiny/seqcls");
        Path file = dir.resolve(AlbertModel.MODEL_FILE).toAbsolutePath().normalize();
        SessionSettings settings = new SessionSettings("cpu", 1, 1, SessionSettings.DEFAULT_OPTIMIZATION_LEVEL);
        AlbertModel first = AlbertModel.builder().modelDirectory(dir).build();
        AlbertModel second = AlbertModel.builder().modelDirectory(dir).build();
        assertEquals(2, SharedSessions.users(file, settings));
        AlbertEncoder encoder = first.encoder(4, 256);
        assertEquals(3, SharedSessions.users(file, settings));
        first.close();
        first.close(); // idempotent: releases once
        assertEquals(2, SharedSessions.users(file, settings));
        // The session stays open for the encoder even though the model that made it is closed.
        float[] logits = encoder.encode(List.of(new EncodedRow(new int[] {2, 10975, 3}, new int[3])),
                (out, row) -> out.vector("logits", row)).get(0);
        org.junit.jupiter.api.Assertions.assertArrayEquals(new float[] {0.10735768f, 0.22803587f, 0.0014284522f},
                logits, TOLERANCE, "seqcls single-00 (ｈｅｌｌｏ) from expected.jsonl");
        encoder.close();
        second.close();
        assertEquals(0, SharedSessions.users(file, settings));
    }

    @Test
    @SuppressWarnings("try") // the models are held open, not used
    void otherSettingsGetTheirOwnSession() {
        Path dir = Fixtures.require("hf-albert-tiny/seqcls");
        Path file = dir.resolve(AlbertModel.MODEL_FILE).toAbsolutePath().normalize();
        try (AlbertModel one = AlbertModel.builder().modelDirectory(dir).intraOpThreads(1).build();
                AlbertModel two = AlbertModel.builder().modelDirectory(dir).intraOpThreads(2).build()) {
            assertEquals(1, SharedSessions.users(file, SessionSettings.defaults()));
            assertEquals(1, SharedSessions.users(file, new SessionSettings("cpu", 2, 1,
                    SessionSettings.DEFAULT_OPTIMIZATION_LEVEL)));
        }
    }

    @Test
    void cudaFallsBackToTheCpuWhenUnavailable() throws Exception {
        Path dir = Fixtures.require("hf-albert-tiny/seqcls");
        boolean cudaAvailable = ai.onnxruntime.OrtEnvironment.getAvailableProviders()
                .contains(ai.onnxruntime.OrtProvider.CUDA);
        try (AlbertModel model = AlbertModel.builder().modelDirectory(dir).device("cuda:0").build();
                AlbertEncoder encoder = model.encoder(4, 256)) {
            assertEquals(cudaAvailable ? "cuda:0" : "cpu", model.device());
            float[] logits = encoder.encode(List.of(new EncodedRow(new int[] {2, 10975, 3}, new int[3])),
                    (out, row) -> out.vector("logits", row)).get(0);
            org.junit.jupiter.api.Assertions.assertArrayEquals(
                    new float[] {0.10735768f, 0.22803587f, 0.0014284522f}, logits, TOLERANCE);
        }
    }

    @Test
    void invalidSettingsNameTheFix() {
        IllegalArgumentException device = assertThrows(IllegalArgumentException.class,
                () -> AlbertModel.builder().modelDirectory(Path.of(".")).device("gpu").build());
        assertTrue(device.getMessage().contains("device must be cpu, cuda or cuda:N"), device.getMessage());
        IllegalArgumentException threads = assertThrows(IllegalArgumentException.class,
                () -> AlbertModel.builder().modelDirectory(Path.of(".")).intraOpThreads(0).build());
        assertTrue(threads.getMessage().contains("intraOpThreads"), threads.getMessage());
    }

    /** ONNX Runtime 1.29.0 died (SIGSEGV) creating its environment under a command line over about 4 KB. */
    @Test
    void environmentStartsUnderACommandLineLongerThan8KiB() throws IOException, InterruptedException {
        Path dir = Fixtures.require("hf-albert-tiny/seqcls");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Dflinkalbert.padding=" + "x".repeat(9000));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(LongCommandLineMain.class.getName());
        command.add(dir.resolve(AlbertModel.MODEL_FILE).toString());
        assertTrue(String.join(" ", command).length() > 8192);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output;
        try (var in = process.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "the child JVM did not finish");
        assertEquals(0, process.exitValue(), "child JVM output:\n" + output);
        assertTrue(output.contains(LongCommandLineMain.MARKER + "[0.107"), output);
    }
}
