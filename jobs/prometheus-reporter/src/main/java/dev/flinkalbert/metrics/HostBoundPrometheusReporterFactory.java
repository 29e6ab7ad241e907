package dev.flinkalbert.metrics;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Properties;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.IllegalConfigurationException;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;
import org.apache.flink.util.PortRange;

/**
 * Flink's Prometheus reporter (the same metric names, labels and types as {@code flink-metrics-prometheus}) with its
 * HTTP endpoint bound to one address of the machine, by default 127.0.0.1, instead of all interfaces.
 *
 * <pre>{@code
 * # conf/config.yaml; this jar and flink-metrics-prometheus in lib/
 * metrics.reporter.prom.factory.class: dev.flinkalbert.metrics.HostBoundPrometheusReporterFactory
 * metrics.reporter.prom.host: 127.0.0.1        # default; 0.0.0.0 for every interface
 * metrics.reporter.prom.port: 9249-9299        # a port, a range or a list; the first free one is taken
 * # then: curl http://127.0.0.1:9249/metrics
 * }</pre>
 *
 * <p>It exists because Flink's {@code PrometheusReporterFactory} takes only a port and listens on every interface,
 * so a cluster meant to be reachable from this machine only would expose its metrics to the network.
 */
@PublicEvolving
public final class HostBoundPrometheusReporterFactory implements MetricReporterFactory {

    /** The address the endpoint listens on (a reporter option, i.e. {@code metrics.reporter.NAME.host}). */
    public static final ConfigOption<String> HOST = ConfigOptions.key("host")
            .stringType()
            .defaultValue("127.0.0.1")
            .withDescription("The address the Prometheus endpoint listens on; 0.0.0.0 for every interface.");

    /** The port, range or list of ports to try in order (Flink's syntax: {@code 9249}, {@code 9249-9299}). */
    public static final ConfigOption<String> PORT = ConfigOptions.key("port")
            .stringType()
            .defaultValue("9249")
            .withDescription("The port of the Prometheus endpoint, or a range (9249-9299) or list (9249,9251) of"
                    + " ports to try in order.");

    @Override
    public MetricReporter createMetricReporter(Properties properties) {
        return new HostBoundPrometheusReporter(host(properties), ports(properties));
    }

    static InetAddress host(Properties properties) {
        String host = option(properties, HOST);
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new IllegalConfigurationException("metrics.reporter.<name>." + HOST.key() + ": cannot resolve '"
                    + host + "'. Set it to an address of this machine: " + HOST.defaultValue()
                    + " (the default) or 0.0.0.0 for every interface.", e);
        }
    }

    static PortRange ports(Properties properties) {
        String ports = option(properties, PORT);
        try {
            return new PortRange(ports);
        } catch (IllegalConfigurationException e) {
            throw new IllegalConfigurationException("metrics.reporter.<name>." + PORT.key() + ": '" + ports
                    + "' is not a port, a range or a list of ports. Set it like 9249, 9249-9299 or 9249,9251.", e);
        }
    }

    /** The reporter's options arrive with {@code metrics.reporter.NAME.} cut off; YAML may have made them numbers. */
    private static String option(Properties properties, ConfigOption<String> option) {
        Object value = properties.get(option.key());
        return value == null ? option.defaultValue() : value.toString().trim();
    }
}
