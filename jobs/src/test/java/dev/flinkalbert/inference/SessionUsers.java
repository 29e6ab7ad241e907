package dev.flinkalbert.inference;

import java.nio.file.Path;

/** For tests outside the inference package: how many leases hold a model's shared session. */
public final class SessionUsers {

    private SessionUsers() {}

    /** Leases on the session of {@code modelDirectory}'s model.onnx under {@code settings} (0 when none is open). */
    public static int of(Path modelDirectory, SessionSettings settings) {
        return SharedSessions.users(modelDirectory.resolve(AlbertModel.MODEL_FILE), settings);
    }
}
