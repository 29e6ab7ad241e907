package dev.flinkalbert.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * This process's memory as the Linux kernel counts it, from {@code /proc/self/status}: the resident set
 * ({@code VmRSS}: pages in RAM now, heap, native libraries, ONNX Runtime's arenas and thread stacks alike) and its
 * high-water mark ({@code VmHWM}).
 *
 * @param residentKib {@code VmRSS} in KiB
 * @param peakResidentKib {@code VmHWM} in KiB
 */
record ProcessMemory(long residentKib, long peakResidentKib) {

    static final Path STATUS = Path.of("/proc/self/status");

    /** Reads {@link #STATUS} now. */
    static ProcessMemory read() throws IOException {
        return parse(Files.readAllLines(STATUS));
    }

    /** Whether this system has {@link #STATUS} (Linux). */
    static boolean available() {
        return Files.isReadable(STATUS);
    }

    /** The figures of {@code /proc/<pid>/status} lines ({@code VmRSS:   123456 kB}). */
    static ProcessMemory parse(List<String> statusLines) {
        long resident = -1;
        long peak = -1;
        for (String line : statusLines) {
            if (line.startsWith("VmRSS:")) {
                resident = kib(line);
            } else if (line.startsWith("VmHWM:")) {
                peak = kib(line);
            }
        }
        if (resident < 0 || peak < 0) {
            throw new IllegalStateException(STATUS + " has no VmRSS or VmHWM line");
        }
        return new ProcessMemory(resident, peak);
    }

    private static long kib(String line) {
        String[] fields = line.substring(line.indexOf(':') + 1).trim().split("\\s+");
        if (fields.length != 2 || !fields[1].equals("kB")) {
            throw new IllegalStateException("unexpected line in " + STATUS + ": " + line);
        }
        return Long.parseLong(fields[0]);
    }

    double residentMib() {
        return residentKib / 1024.0;
    }

    double peakResidentMib() {
        return peakResidentKib / 1024.0;
    }
}
