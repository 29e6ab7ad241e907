package dev.flinkalbert.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.IllegalConfigurationException;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.runtime.clusterframework.types.ResourceID;
import org.apache.flink.runtime.metrics.MetricRegistryConfiguration;
import org.apache.flink.runtime.metrics.MetricRegistryImpl;
import org.apache.flink.runtime.metrics.ReporterSetupBuilder;
import org.apache.flink.runtime.metrics.filter.DefaultReporterFilters;
import org.apache.flink.runtime.metrics.groups.TaskManagerMetricGroup;
import org.junit.jupiter.api.Test;

/**
 * The reporter as a TaskManager runs it: Flink's metric registry reads {@code metrics.reporter.prom.*}, finds the
 * factory through its service file, and the endpoint is scraped over HTTP. Where it listens is read from the kernel
 * ({@code /proc/net/tcp*}) and tried from this machine's other addresses.
 */
class HostBoundPrometheusReporterTest {

    /** How Linux prints 127.0.0.1, ::ffff:127.0.0.1 and ::1 in /proc/net/tcp and tcp6 (x86, little-endian words). */
    private static final Set<String> LOOPBACK = Set.of(
            "0100007F", "0000000000000000FFFF00000100007F", "00000000000000000000000001000000");
    /** 0.0.0.0 and :: (every interface). */
    private static final Set<String> WILDCARD = Set.of("00000000", "00000000000000000000000000000000");

    @Test
    void servesFlinkMetricsOverHttpAndListensOnLoopbackOnly() throws Exception {
        Configuration conf = Configuration.fromMap(Map.of(
                "metrics.reporter.prom.factory.class", HostBoundPrometheusReporterFactory.class.getName(),
                "metrics.reporter.prom.port", "0"));
        MetricRegistryImpl registry = new MetricRegistryImpl(
                MetricRegistryConfiguration.fromConfiguration(conf, Long.MAX_VALUE),
                ReporterSetupBuilder.METRIC_SETUP_BUILDER.fromConfiguration(
                        conf, DefaultReporterFilters::metricsFromConfiguration, null));
        int port;
        try {
            List<MetricReporter> reporters = registry.getReporters();
            assertEquals(1, reporters.size(), "the factory is found through META-INF/services: " + reporters);
            port = ((HostBoundPrometheusReporter) reporters.get(0)).port();

            TaskManagerMetricGroup taskManager =
                    TaskManagerMetricGroup.createTaskManagerMetricGroup(registry, "localhost", new ResourceID("tm1"));
            taskManager.counter("recordsSeen").inc(42);
            taskManager.gauge("queueLength", () -> 7);

            // Flink's documented naming: flink_<logical scope>_<metric>, the scope's variables as labels
            String metrics = scrape(port);
            assertTrue(metrics.lines().anyMatch(line -> line.startsWith("flink_taskmanager_recordsSeen{")
                    && line.contains("host=\"localhost\"") && line.contains("tm_id=\"tm1\"")
                    && line.endsWith("} 42.0")), metrics);
            assertTrue(metrics.lines().anyMatch(line -> line.startsWith("flink_taskmanager_queueLength{")
                    && line.endsWith("} 7.0")), metrics);

            List<String> listening = listeningAddresses(port);
            assertFalse(listening.isEmpty(), "no LISTEN row for port " + port + " in /proc/net/tcp*");
            assertTrue(LOOPBACK.containsAll(listening), "port " + port + " listens on " + listening);
            for (InetAddress address : otherAddresses()) {
                assertThrows(ConnectException.class, () -> connect(address, port),
                        "reachable through " + address + ":" + port);
            }
        } finally {
            registry.closeAsync().get();
        }
        assertThrows(ConnectException.class, () -> connect(InetAddress.getLoopbackAddress(), port),
                "closed with the registry");
    }

    /** The host option is what the socket binds: 0.0.0.0 (as in a container) listens on every interface. */
    @Test
    void theHostOptionChoosesTheInterface() throws Exception {
        HostBoundPrometheusReporter everywhere = create("0.0.0.0", "0");
        try {
            List<String> listening = listeningAddresses(everywhere.port());
            assertFalse(listening.isEmpty(), "no LISTEN row for port " + everywhere.port());
            assertTrue(WILDCARD.containsAll(listening), "port " + everywhere.port() + " listens on " + listening);
            for (InetAddress address : otherAddresses()) {
                connect(address, everywhere.port());
            }
        } finally {
            everywhere.close();
        }
    }

    @Test
    void aTakenPortOfTheRangeIsSkipped() throws Exception {
        HostBoundPrometheusReporter first = create("127.0.0.1", "0");
        try {
            HostBoundPrometheusReporter second = create("127.0.0.1", first.port() + ",0");
            try {
                assertNotEquals(first.port(), second.port());
                scrape(second.port());
            } finally {
                second.close();
            }
        } finally {
            first.close();
        }
    }

    @Test
    void misconfigurationNamesTheOptionToFix() {
        String port = assertThrows(IllegalConfigurationException.class, () -> create("127.0.0.1", "nine"))
                .getMessage();
        assertTrue(port.contains("metrics.reporter.<name>.port") && port.contains("9249-9299"), port);

        String host = assertThrows(IllegalConfigurationException.class, () -> create("no-such-host.invalid", "0"))
                .getMessage();
        assertTrue(host.contains("metrics.reporter.<name>.host") && host.contains("no-such-host.invalid"), host);

        // TEST-NET-3 (RFC 5737): resolvable, but not an address of this machine
        String foreign = assertThrows(IllegalStateException.class, () -> create("203.0.113.1", "0")).getMessage();
        assertTrue(foreign.contains("203.0.113.1") && foreign.contains("metrics.reporter.<name>.host"), foreign);
    }

    private static HostBoundPrometheusReporter create(String host, String ports) {
        Properties properties = new Properties();
        properties.setProperty("host", host);
        properties.setProperty("port", ports);
        return (HostBoundPrometheusReporter) new HostBoundPrometheusReporterFactory().createMetricReporter(properties);
    }

    private static String scrape(int port) throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return response.body();
    }

    /** The local addresses, as the kernel prints them, of every socket listening on this port. */
    private static List<String> listeningAddresses(int port) throws IOException {
        String hexPort = String.format("%04X", port);
        List<String> addresses = new ArrayList<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            for (String row : Files.readAllLines(Path.of(table))) {
                String[] f = row.trim().split("\\s+");
                // sl local_address rem_address st ...; st 0A is LISTEN
                if (f[1].endsWith(":" + hexPort) && f[3].equals("0A")) {
                    addresses.add(f[1].substring(0, f[1].indexOf(':')));
                }
            }
        }
        return addresses;
    }

    /** This machine's addresses other than loopback and link-local (192.0.2.2 and fd00::2 on the build machine). */
    private static List<InetAddress> otherAddresses() throws IOException {
        List<InetAddress> addresses = new ArrayList<>();
        for (NetworkInterface nic : NetworkInterface.networkInterfaces().toList()) {
            if (nic.isUp()) {
                nic.inetAddresses().filter(a -> !a.isLoopbackAddress() && !a.isLinkLocalAddress())
                        .forEach(addresses::add);
            }
        }
        return addresses;
    }

    private static void connect(InetAddress address, int port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address, port), 5_000);
        }
    }
}
