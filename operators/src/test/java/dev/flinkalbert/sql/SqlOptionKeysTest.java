package dev.flinkalbert.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flinkalbert.testing.Fixtures;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.Test;

/** The {@code WITH} keys follow the builders' names; the earlier keys still work as deprecated aliases. */
class SqlOptionKeysTest {

    @Test
    void earlierKeysAreAliasesOfTheNewOnes() {
        Configuration old = Configuration.fromMap(Map.of("batch.size", "8", "batch.linger", "5 ms",
                "batch.token-budget", "512", "qa.stride", "64", "qa.max-answer-length", "20",
                "qa.handle-impossible-answer", "true"));
        assertEquals(8, old.get(AlbertModelOptions.BATCH_SIZE));
        assertEquals(Duration.ofMillis(5), old.get(AlbertModelOptions.BATCH_LINGER));
        assertEquals(512, old.get(AlbertModelOptions.TOKEN_BUDGET));
        assertEquals(64, old.get(AlbertModelOptions.QA_STRIDE));
        assertEquals(20, old.get(AlbertModelOptions.QA_MAX_ANSWER_LENGTH));
        assertEquals(true, old.get(AlbertModelOptions.QA_HANDLE_IMPOSSIBLE_ANSWER));
        assertEquals("max-batch-size", AlbertModelOptions.BATCH_SIZE.key());
        assertEquals("stride", AlbertModelOptions.QA_STRIDE.key());
    }

    @Test
    void newKeysPlanAndMisplacedOnesAreNamedAsWritten() {
        Path seqcls = Fixtures.require("hf-albert-tiny/seqcls");
        TableEnvironment env = TableEnvironment.create(EnvironmentSettings.inStreamingMode());
        env.executeSql("CREATE TEMPORARY VIEW texts AS SELECT * FROM (VALUES ('a')) AS t(text)");
        String with = " WITH ('provider' = 'albert', 'model-directory' = '" + seqcls + "'";
        env.executeSql("CREATE MODEL renamed INPUT (text STRING) OUTPUT (label STRING)" + with
                + ", 'max-batch-size' = '8', 'max-linger' = '5 ms', 'token-budget' = '512', 'top-k' = '2')");
        String plan = env.explainSql("SELECT * FROM ML_PREDICT(TABLE texts, MODEL renamed, DESCRIPTOR(text))");
        assertTrue(plan.contains("ML_PREDICT") || plan.contains("MLPredict"), plan);

        env.executeSql("CREATE MODEL misplaced INPUT (text STRING) OUTPUT (label STRING)" + with
                + ", 'stride' = '64', 'qa.max-answer-length' = '9', 'normalize' = 'true')");
        Exception e = assertThrows(Exception.class, () -> env.explainSql(
                "SELECT * FROM ML_PREDICT(TABLE texts, MODEL misplaced, DESCRIPTOR(text))"));
        String message = ExceptionUtils.stringifyException(e);
        assertTrue(ExceptionUtils.findThrowable(e, ValidationException.class).isPresent(), message);
        for (String part : new String[] {"is a classify model: remove", "'stride' applies to [ner, qa] models",
                "'qa.max-answer-length' applies to [qa] models", "'normalize' applies to [embed] models"}) {
            assertTrue(message.contains(part), "expected '" + part + "' in: " + message);
        }
    }
}
