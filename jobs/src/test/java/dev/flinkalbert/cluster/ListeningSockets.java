package dev.flinkalbert.cluster;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The TCP sockets a process listens on, as Linux's {@code /proc} shows them: the process's file descriptors that are
 * sockets ({@code /proc/PID/fd/N -> socket:[INODE]}), matched by inode to the rows of {@code /proc/net/tcp} and
 * {@code /proc/net/tcp6} in state LISTEN. Read from outside the process, so it sees every server socket the JVM
 * opened, whichever library opened it.
 */
final class ListeningSockets {

    /** One listening socket: the address it is bound to and its port. */
    record Listener(InetAddress address, int port) {
        /** 127.0.0.1, ::1 or ::ffff:127.0.0.1 (which Java reports as 127.0.0.1). */
        boolean loopbackOnly() {
            return address.isLoopbackAddress();
        }

        @Override
        public String toString() {
            return address.getHostAddress() + ":" + port;
        }
    }

    private static final Pattern SOCKET_LINK = Pattern.compile("socket:\\[(\\d+)]");
    /** {@code /proc/net/tcp*} state column: 0A is TCP_LISTEN. */
    private static final String LISTEN = "0A";

    private ListeningSockets() {
    }

    /** Every socket the process listens on; empty if it listens on none. */
    static List<Listener> of(long pid) throws IOException {
        Set<String> inodes = socketInodes(pid);
        List<Listener> listeners = new ArrayList<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            Path file = Path.of(table);
            if (!Files.isReadable(file)) {
                throw new IllegalStateException(table + " is not readable: this check reads Linux's /proc");
            }
            List<String> rows = Files.readAllLines(file);
            for (String row : rows.subList(1, rows.size())) {
                // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
                String[] f = row.trim().split("\\s+");
                if (f[3].equals(LISTEN) && inodes.contains(f[9])) {
                    String[] local = f[1].split(":");
                    listeners.add(new Listener(address(local[0]), Integer.parseInt(local[1], 16)));
                }
            }
        }
        return listeners;
    }

    private static Set<String> socketInodes(long pid) throws IOException {
        Set<String> inodes = new HashSet<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : fds) {
                try {
                    Matcher m = SOCKET_LINK.matcher(Files.readSymbolicLink(fd).toString());
                    if (m.matches()) {
                        inodes.add(m.group(1));
                    }
                } catch (IOException closedMeanwhile) {
                    // a descriptor closed between listing and reading: not a listener any more
                }
            }
        }
        return inodes;
    }

    /**
     * The kernel prints an address as 32-bit words in the machine's byte order (127.0.0.1 is 0100007F on x86): each
     * 4-byte group is turned back into network order.
     */
    static InetAddress address(String hex) throws UnknownHostException {
        byte[] printed = HexFormat.of().parseHex(hex);
        byte[] bytes = new byte[printed.length];
        for (int word = 0; word < printed.length; word += 4) {
            for (int i = 0; i < 4; i++) {
                bytes[word + i] = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN
                        ? printed[word + 3 - i] : printed[word + i];
            }
        }
        return InetAddress.getByAddress(bytes);
    }
}
