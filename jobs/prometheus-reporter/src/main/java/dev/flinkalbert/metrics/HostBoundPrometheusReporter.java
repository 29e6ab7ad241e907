package dev.flinkalbert.metrics;

import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.HTTPServer;
import java.io.IOException;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Iterator;
import org.apache.flink.configuration.IllegalConfigurationException;
import org.apache.flink.metrics.prometheus.AbstractPrometheusReporter;
import org.apache.flink.util.PortRange;

/**
 * Flink's Prometheus metric collection ({@link AbstractPrometheusReporter}: names, labels, types) served over HTTP on
 * one address. Flink's own {@code PrometheusReporter} differs only in binding the wildcard address. Made by
 * {@link HostBoundPrometheusReporterFactory}; Flink closes it with the metric registry.
 */
final class HostBoundPrometheusReporter extends AbstractPrometheusReporter {

    private final HTTPServer httpServer;

    HostBoundPrometheusReporter(InetAddress host, PortRange ports) {
        CollectorRegistry registry = registry();
        HTTPServer server = null;
        IOException lastFailure = null;
        Iterator<Integer> candidates = ports.getPortsIterator();
        while (server == null && candidates.hasNext()) {
            int port = candidates.next();
            if (port < 0 || port > 0xFFFF) {
                throw new IllegalConfigurationException("metrics.reporter.<name>.port: " + port + " is not a port"
                        + " (0-65535). Set it like 9249, 9249-9299 or 9249,9251.");
            }
            try {
                server = new HTTPServer(new InetSocketAddress(host, port), registry, true);
            } catch (IOException e) {
                log.debug("Port {} of {} is not free for the Prometheus endpoint", port, host.getHostAddress(), e);
                lastFailure = e;
            }
        }
        if (server == null) {
            throw new IllegalStateException("The Prometheus endpoint could not listen on " + host.getHostAddress()
                    + " at any port of " + ports + (lastFailure == null ? "" : " (last: " + lastFailure + ")")
                    + ". Set metrics.reporter.<name>.port to a free port or range, and metrics.reporter.<name>.host"
                    + " to an address of this machine.", lastFailure);
        }
        httpServer = server;
        log.info("Started the Prometheus endpoint on http://{}:{}/metrics", host.getHostAddress(), server.getPort());
    }

    /** The port the endpoint listens on. */
    int port() {
        return httpServer.getPort();
    }

    @Override
    public void close() {
        httpServer.stop();
        super.close();
    }

    /**
     * The registry the superclass fills. Flink keeps it package-private (its own reporter lives in that package), so
     * it is read by reflection: a field of that name and type, checked here and by the tests against the
     * flink-metrics-prometheus version the build uses.
     */
    private CollectorRegistry registry() {
        try {
            Field field = AbstractPrometheusReporter.class.getDeclaredField("registry");
            if (field.getType() == CollectorRegistry.class) {
                field.setAccessible(true);
                return (CollectorRegistry) field.get(this);
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw doesNotFit(e);
        }
        throw doesNotFit(null);
    }

    private static IllegalStateException doesNotFit(Exception cause) {
        return new IllegalStateException("This reporter does not fit the flink-metrics-prometheus jar in lib/: "
                + AbstractPrometheusReporter.class.getName() + " has no readable field 'registry' of type "
                + CollectorRegistry.class.getName() + ". Use the flink-metrics-prometheus of the Flink version this"
                + " project builds against, or Flink's own PrometheusReporterFactory.", cause);
    }
}
