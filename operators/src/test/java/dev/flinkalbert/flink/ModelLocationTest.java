package dev.flinkalbert.flink;

import dev.flinkalbert.inference.Outcome;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.cache.DistributedCache;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Model locations: checksums, clear errors, and a directory shipped through a real MiniCluster's distributed cache. */
class ModelLocationTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(1)
            .build());

    /** SHA-256("abc"), the test vector of FIPS 180-2, appendix B.1. */
    private static final String SHA256_ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    @TempDir
    Path tmp;

    @Test
    void pinnedChecksumMatchesTheFile() throws Exception {
        Path dir = modelDir("abc");
        ModelLocation location = ModelLocation.local(dir).withModelSha256(SHA256_ABC.toUpperCase());

        location.prepare(StreamExecutionEnvironment.getExecutionEnvironment());

        assertEquals(dir.toAbsolutePath().normalize(), location.resolve(null));
        assertEquals(SHA256_ABC, location.modelSha256().orElseThrow());
    }

    @Test
    void anotherModelFileIsRefusedWithBothChecksums() throws Exception {
        Path dir = modelDir("abd");
        ModelLocation location = ModelLocation.local(dir).withModelSha256(SHA256_ABC);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> location.prepare(StreamExecutionEnvironment.getExecutionEnvironment()));
        assertTrue(e.getMessage().contains(SHA256_ABC) && e.getMessage().contains("sha256sum"), e.getMessage());
        IllegalStateException atRunTime = assertThrows(IllegalStateException.class, () -> location.resolve(null));
        assertTrue(atRunTime.getMessage().contains("on this TaskManager"), atRunTime.getMessage());
    }

    @Test
    void malformedChecksumIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelLocation.local(tmp).withModelSha256("abc123"));
        assertTrue(e.getMessage().contains("64 hex digits"), e.getMessage());
    }

    @Test
    void missingDirectoryOrModelFileIsNamed() throws Exception {
        Path absent = tmp.resolve("absent");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelLocation.shipped(absent).prepare(StreamExecutionEnvironment.getExecutionEnvironment()));
        assertTrue(e.getMessage().contains(absent.toString()) && e.getMessage().contains("does not exist"),
                e.getMessage());

        Path empty = Files.createDirectories(tmp.resolve("empty"));
        IllegalStateException noModel = assertThrows(IllegalStateException.class,
                () -> ModelLocation.local(empty).resolve(null));
        assertTrue(noModel.getMessage().contains("has no model.onnx"), noModel.getMessage());
    }

    @Test
    void localDirectoryOnlyTheTaskManagersSeeIsNotCheckedOnTheClient() {
        ModelLocation location = ModelLocation.local(tmp.resolve("only-on-the-taskmanagers"));

        location.prepare(StreamExecutionEnvironment.getExecutionEnvironment());   // no exception

        assertThrows(IllegalStateException.class, () -> location.resolve(null));
    }

    @Test
    void shippedDirectoryArrivesThroughTheDistributedCache() throws Exception {
        Path dir = modelDir("abc");
        Files.writeString(dir.resolve("config.json"), "{\"id2label\": {\"0\": \"shipped\"}}");
        ModelLocation location = ModelLocation.shipped(dir).withModelSha256(SHA256_ABC);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        location.prepare(env);

        List<String> out = new ArrayList<>();
        try (CloseableIterator<String> results = MicroBatching.<String, String>builder()
                .processor(new ConfigReadingFactory(location))
                .outputType(Types.STRING)
                .maxBatchSize(2)
                .build()
                .apply(env.fromData("a", "b", "c"))
                .executeAndCollect()) {
            results.forEachRemaining(out::add);
        }

        String config = Files.readString(dir.resolve("config.json"));
        assertEquals(List.of("a" + config, "b" + config, "c" + config), out);
    }

    private Path modelDir(String modelBytes) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("model-" + modelBytes));
        Files.write(dir.resolve(ModelLocation.MODEL_FILE), modelBytes.getBytes(StandardCharsets.US_ASCII));
        return dir;
    }

    /**
     * Resolves the model where it runs and appends its config.json to each text; the path it read must not be
     * the client's (the cache unpacks a copy), which it checks.
     */
    private static final class ConfigReadingFactory implements BatchProcessorFactory<String, String> {
        private final ModelLocation location;

        ConfigReadingFactory(ModelLocation location) {
            this.location = location;
        }

        @Override
        public BatchProcessor<String, String> create() {
            throw new AssertionError("the per-subtask operator must pass the distributed cache");
        }

        @Override
        public BatchProcessor<String, String> create(DistributedCache jobFiles) throws Exception {
            Path dir = location.resolve(jobFiles);
            if (dir.equals(location.directory())) {
                throw new AssertionError("read the client's directory, not the shipped copy: " + dir);
            }
            String config = Files.readString(dir.resolve("config.json"));
            return batch -> batch.stream().map(text -> Outcome.success(text + config)).toList();
        }
    }
}
