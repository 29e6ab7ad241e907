package dev.flinkalbert.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flinkalbert.inference.SessionSettings;
import dev.flinkalbert.inference.SessionUsers;
import dev.flinkalbert.testing.Fixtures;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A bench whose construction fails after it opened the model gives the model's lease back. */
class InferenceBenchOwnershipTest {

    @Test
    void aBenchThatFailsToBuildReturnsTheModelsLease() throws Exception {
        Path model = Fixtures.require("hf-albert-tiny/seqcls");
        SessionSettings settings = SessionSettings.defaults();
        int before = SessionUsers.of(model, settings);
        // The model opens, then tokenizing the texts fails on the null one.
        List<String> texts = Arrays.asList("a fine film", null);
        assertThrows(RuntimeException.class, () -> new InferenceBench(model, settings.intraOpThreads(), texts));
        assertEquals(before, SessionUsers.of(model, settings));

        Path qa = Fixtures.require("hf-albert-tiny/qa");
        int qaBefore = SessionUsers.of(qa, settings);
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> new InferenceBench(qa, settings.intraOpThreads(), List.of("a question")));
        assertTrue(refused.getMessage().contains("question-answering"), refused.getMessage());
        assertEquals(qaBefore, SessionUsers.of(qa, settings));

        try (InferenceBench bench = new InferenceBench(model, settings.intraOpThreads(), List.of("a fine film"))) {
            assertEquals(before + 1, SessionUsers.of(model, settings));
        }
        assertEquals(before, SessionUsers.of(model, settings));
    }
}
