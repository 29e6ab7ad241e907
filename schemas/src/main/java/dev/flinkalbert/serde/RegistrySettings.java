package dev.flinkalbert.serde;

import java.io.Serializable;
import java.util.List;
import org.apache.flink.annotation.PublicEvolving;

/**
 * How to reach and use a schema registry; checked and resolved by {@link KafkaRecordFormat.Builder#build()}.
 *
 * @param urls base URLs, tried in order until one answers
 * @param userInfo {@code user:password} for basic authentication, or null
 * @param truststore trust store for {@code https://} URLs, or null for the JVM's default trust
 * @param keystore key store with this client's certificate (mutual TLS), or null
 * @param keyPassword password of the private key in {@code keystore}, or null for the key store's password
 * @param requestTimeoutMs timeout of each request, connecting included
 * @param autoRegister register a writer schema missing from its subject
 * @param useLatestVersion write with the subject's latest version instead of the record's own schema
 * @param subjectNameStrategy how subjects are named
 */
@PublicEvolving
public record RegistrySettings(List<String> urls, String userInfo, Store truststore, Store keystore,
        String keyPassword, int requestTimeoutMs, boolean autoRegister, boolean useLatestVersion,
        SubjectNameStrategy subjectNameStrategy) implements Serializable {

    /** A key or trust store file: location, password (may be null) and type ({@code JKS} or {@code PKCS12}). */
    public record Store(String location, String password, String type) implements Serializable {
        @Override
        public String toString() {
            return type + " " + location;
        }
    }

    public RegistrySettings {
        urls = List.copyOf(urls);
    }

    /** Passwords stay out of logs and exception messages. */
    @Override
    public String toString() {
        return "RegistrySettings[urls=" + urls + ", basicAuth=" + (userInfo != null) + ", truststore=" + truststore
                + ", keystore=" + keystore + ", requestTimeoutMs=" + requestTimeoutMs + ", autoRegister="
                + autoRegister + ", useLatestVersion=" + useLatestVersion + ", subjectNameStrategy="
                + subjectNameStrategy + "]";
    }
}
