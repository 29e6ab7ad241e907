package dev.flinkalbert.flink;

import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The synchronous per-subtask operator ({@link MicroBatchOperator}): the tests of {@link MicroBatchingTests}. */
class MicroBatchOperatorTest extends MicroBatchingTests {

    private static final InMemoryReporter METRICS = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = cluster(METRICS);

    @Override
    InMemoryReporter reporter() {
        return METRICS;
    }
}
