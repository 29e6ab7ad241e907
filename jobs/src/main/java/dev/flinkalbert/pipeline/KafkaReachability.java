package dev.flinkalbert.pipeline;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.flink.annotation.Internal;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * A check on the client, before a job is submitted, that the brokers answer and the input topic exists: otherwise
 * the job would start on the cluster and fail there, over and over, with the reason only in a TaskManager's log.
 *
 * <pre>{@code
 * KafkaReachability.check("broker:9092", kafka.consumer(), "texts", KafkaReachability.DEFAULT_TIMEOUT);
 * }</pre>
 */
@Internal
public final class KafkaReachability {

    /** How long the brokers have to answer. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(15);

    private KafkaReachability() {}

    /**
     * @param bootstrapServers the brokers (null: {@code bootstrap.servers} of {@code client})
     * @param client the consumer's settings (security, SASL, SSL), used as they are
     * @throws IllegalArgumentException naming the fix, when the brokers do not answer or the topic is missing
     */
    public static void check(String bootstrapServers, Properties client, String inputTopic, Duration timeout) {
        Properties props = new Properties();
        client.forEach((k, v) -> {
            if (AdminClientConfig.configNames().contains(String.valueOf(k))) {
                props.put(k, v);
            }
        });
        String servers = bootstrapServers != null ? bootstrapServers : client.getProperty("bootstrap.servers");
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        int millis = (int) timeout.toMillis();
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Integer.toString(millis));
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Integer.toString(millis));
        try (Admin admin = Admin.create(props)) {
            try {
                admin.describeCluster().nodes().get(millis, TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
                throw new IllegalArgumentException("Kafka at " + servers + " did not answer within "
                        + timeout.toSeconds() + " s (" + cause + "): check --bootstrap-servers (brokers that this"
                        + " machine and every TaskManager can reach) and the security settings in --kafka-config");
            }
            try {
                admin.describeTopics(List.of(inputTopic)).allTopicNames().get(millis, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                    throw new IllegalArgumentException("The input topic '" + inputTopic + "' does not exist on "
                            + servers + ": create it (kafka-topics.sh --create --topic " + inputTopic
                            + ") or fix --input-topic");
                }
                throw new IllegalArgumentException("Cannot describe the input topic '" + inputTopic + "' on "
                        + servers + " (" + e.getCause() + "): check the ACLs and --kafka-config");
            } catch (TimeoutException e) {
                throw new IllegalArgumentException("Kafka at " + servers + " did not describe the input topic '"
                        + inputTopic + "' within " + timeout.toSeconds() + " s: check --bootstrap-servers");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking Kafka at " + servers, e);
        }
    }
}
