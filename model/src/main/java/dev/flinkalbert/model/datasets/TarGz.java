package dev.flinkalbert.model.datasets;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;

/** Reads the regular files of a gzipped POSIX tar (npm's package tarballs: ustar, with pax headers). */
final class TarGz {

    private TarGz() {}

    /** The contents of the files whose path satisfies {@code wanted}, in archive order. */
    static Map<String, byte[]> read(Path tgz, Predicate<String> wanted) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (InputStream in = new GZIPInputStream(Files.newInputStream(tgz), 1 << 16)) {
            byte[] header = new byte[512];
            String paxPath = null;
            while (readBlock(in, header)) {
                if (isZero(header)) {
                    break;
                }
                String name = text(header, 0, 100);
                String prefix = text(header, 345, 155);
                if (!prefix.isEmpty()) {
                    name = prefix + "/" + name;
                }
                long size = Long.parseLong(text(header, 124, 12).trim().isEmpty() ? "0" : text(header, 124, 12).trim(), 8);
                char type = (char) header[156];
                byte[] data = size <= Integer.MAX_VALUE - 512 && (type == 'x' || ((type == '0' || type == 0)
                        && wanted.test(paxPath != null ? paxPath : name))) ? in.readNBytes((int) size) : null;
                if (data == null) {
                    in.skipNBytes(size);
                } else if (data.length != size) {
                    throw new IOException(tgz + " is truncated");
                }
                in.skipNBytes((512 - size % 512) % 512);
                if (type == 'x') {
                    paxPath = paxPath(new String(data, StandardCharsets.UTF_8));
                    continue;
                }
                if (data != null) {
                    out.put(paxPath != null ? paxPath : name, data);
                }
                paxPath = null;
            }
        }
        return out;
    }

    private static String paxPath(String records) {
        for (String line : records.split("\n")) {
            int space = line.indexOf(' ');
            if (space > 0 && line.startsWith("path=", space + 1)) {
                return line.substring(space + 6);
            }
        }
        return null;
    }

    private static boolean readBlock(InputStream in, byte[] block) throws IOException {
        int n = in.readNBytes(block, 0, block.length);
        return n == block.length;
    }

    private static boolean isZero(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static String text(byte[] header, int offset, int length) {
        int end = offset;
        while (end < offset + length && header[end] != 0) {
            end++;
        }
        return new String(header, offset, end - offset, StandardCharsets.UTF_8);
    }
}
