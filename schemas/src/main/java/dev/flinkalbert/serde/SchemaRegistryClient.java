package dev.flinkalbert.serde;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import org.apache.avro.Schema;
import org.apache.flink.annotation.Internal;

/**
 * A client of the Confluent Schema Registry REST API (also served by Apicurio's ccompat API, Karapace and Redpanda),
 * written on the JDK HTTP client. Answers are cached for the client's lifetime: schemas by id (immutable in every
 * registry), ids by subject and schema, and the latest version of a subject.
 *
 * <p>Thread-safe. Errors are {@link SchemaRegistryException}s whose message names the URL, the request and what
 * to check.
 */
@Internal
public final class SchemaRegistryClient {

    /** Content type of Confluent's API, version 1. */
    public static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final String ACCEPT =
            CONTENT_TYPE + ", application/vnd.schemaregistry+json; qs=0.9, application/json; qs=0.5";

    /** A schema as registered under a subject. */
    public record RegisteredSchema(int id, Schema schema) {
    }

    /** Cache key; {@link Schema} caches its hash code. */
    private record SubjectSchema(String subject, Schema schema) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final RegistrySettings settings;
    private final HttpClient http;
    private final String authorization;
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
    private final Map<SubjectSchema, Integer> idsBySubjectAndSchema = new ConcurrentHashMap<>();
    private final Map<String, RegisteredSchema> latestBySubject = new ConcurrentHashMap<>();

    public SchemaRegistryClient(RegistrySettings settings) {
        this.settings = settings;
        HttpClient.Builder builder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofMillis(settings.requestTimeoutMs()));
        if (settings.truststore() != null || settings.keystore() != null) {
            builder.sslContext(sslContext(settings));
        }
        this.http = builder.build();
        this.authorization = settings.userInfo() == null ? null
                : "Basic " + Base64.getEncoder().encodeToString(settings.userInfo().getBytes(StandardCharsets.UTF_8));
    }

    /** The writer schema registered with {@code id}. */
    public Schema schemaById(int id) throws SchemaRegistryException {
        Schema cached = schemasById.get(id);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = send("GET", "/schemas/ids/" + id, null, "schema id " + id);
        Schema schema = parseSchema(answer, "schema id " + id);
        schemasById.put(id, schema);
        return schema;
    }

    /** Registers {@code schema} under {@code subject} (a no-op answering the existing id when it is there). */
    public int register(String subject, Schema schema) throws SchemaRegistryException {
        return idFor(subject, schema, "/subjects/" + encode(subject) + "/versions");
    }

    /** The id of {@code schema} already registered under {@code subject}; never registers it. */
    public int lookup(String subject, Schema schema) throws SchemaRegistryException {
        return idFor(subject, schema, "/subjects/" + encode(subject));
    }

    /** The latest version registered under {@code subject}. */
    public RegisteredSchema latest(String subject) throws SchemaRegistryException {
        RegisteredSchema cached = latestBySubject.get(subject);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = send("GET", "/subjects/" + encode(subject) + "/versions/latest", null,
                "subject '" + subject + "'");
        RegisteredSchema latest = new RegisteredSchema(intField(answer, "id", subject),
                parseSchema(answer, "subject '" + subject + "'"));
        schemasById.putIfAbsent(latest.id(), latest.schema());
        latestBySubject.put(subject, latest);
        return latest;
    }

    private int idFor(String subject, Schema schema, String path) throws SchemaRegistryException {
        SubjectSchema key = new SubjectSchema(subject, schema);
        Integer cached = idsBySubjectAndSchema.get(key);
        if (cached != null) {
            return cached;
        }
        String body;
        try {
            body = JSON.writeValueAsString(Map.of("schema", schema.toString()));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        int id = intField(send("POST", path, body, "subject '" + subject + "'"), "id", subject);
        idsBySubjectAndSchema.put(key, id);
        schemasById.putIfAbsent(id, schema);
        return id;
    }

    /** Sends one request to the first URL that answers; any HTTP answer but 200 becomes an exception. */
    private JsonNode send(String method, String path, String body, String what) throws SchemaRegistryException {
        List<String> failures = new ArrayList<>();
        IOException lastFailure = null;
        for (String baseUrl : settings.urls()) {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(stripSlash(baseUrl) + path))
                    .timeout(Duration.ofMillis(settings.requestTimeoutMs()))
                    .header("Accept", ACCEPT);
            if (authorization != null) {
                request.header("Authorization", authorization);
            }
            request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
            if (body != null) {
                request.header("Content-Type", CONTENT_TYPE);
            }
            HttpResponse<byte[]> response;
            try {
                response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            } catch (SSLException e) {
                throw new SchemaRegistryException("TLS handshake with the schema registry at " + baseUrl
                        + " failed (" + method + " " + path + "): " + e.getMessage() + ". Check "
                        + SerdeOptions.SSL_TRUSTSTORE_LOCATION + " (it must trust the registry's certificate) and, "
                        + "when the registry requires client certificates, " + SerdeOptions.SSL_KEYSTORE_LOCATION
                        + ".", 0, e);
            } catch (IOException e) {
                failures.add(baseUrl + ": " + describe(e));
                lastFailure = e;
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SchemaRegistryException("Interrupted while calling the schema registry at " + baseUrl,
                        0, e);
            }
            return answer(response, baseUrl, method, path, what);
        }
        boolean https = settings.urls().stream().anyMatch(url -> url.regionMatches(true, 0, "https:", 0, 6));
        throw new SchemaRegistryException("Cannot reach the schema registry (" + method + " " + path + ") at "
                + String.join("; ", failures) + ". Check " + SerdeOptions.SCHEMA_REGISTRY_URL
                + ", that the registry is running, and that this machine can reach it (host, port, proxy, "
                + "firewall)." + (https && settings.keystore() == null ? " A registry that requires client "
                        + "certificates closes the connection without one: then set "
                        + SerdeOptions.SSL_KEYSTORE_LOCATION + "." : ""), 0, lastFailure);
    }

    private JsonNode answer(HttpResponse<byte[]> response, String baseUrl, String method, String path, String what)
            throws SchemaRegistryException {
        int status = response.statusCode();
        JsonNode json = null;
        try {
            json = JSON.readTree(response.body());
        } catch (IOException e) {
            // Not JSON (a proxy's HTML page, say): reported below with the status.
        }
        if (status == 200 && json != null && json.isObject()) {
            return json;
        }
        String request = method + " " + path;
        String registryMessage = json != null && json.hasNonNull("message") ? json.get("message").asText()
                : abbreviate(new String(response.body(), StandardCharsets.UTF_8));
        int errorCode = json != null && json.hasNonNull("error_code") ? json.get("error_code").asInt() : 0;
        String detail = "HTTP " + status + (errorCode != 0 ? ", error " + errorCode : "") + " on " + request
                + ": " + registryMessage;
        String message;
        if (status == 401 || status == 403) {
            message = "The schema registry at " + baseUrl + " refused the credentials (" + detail + "). "
                    + (authorization == null
                            ? "No credentials are set: set " + SerdeOptions.BASIC_AUTH_CREDENTIALS_SOURCE
                                    + "=USER_INFO and " + SerdeOptions.BASIC_AUTH_USER_INFO + "=user:password."
                            : "Check the user and password in " + SerdeOptions.BASIC_AUTH_USER_INFO
                                    + " (or in the URL when " + SerdeOptions.BASIC_AUTH_CREDENTIALS_SOURCE
                                    + "=URL) and that this user may use the subject.");
        } else if (status == 404 && path.startsWith("/schemas/ids/")) {
            message = "The schema registry at " + baseUrl + " does not know " + what + " (" + detail
                    + "). The record was written against another registry, or its schema was deleted.";
        } else if (status == 404) {
            message = "The schema registry at " + baseUrl + " has no such schema for " + what + " (" + detail
                    + "). Register the schema, or set " + SerdeOptions.AUTO_REGISTER_SCHEMAS + "=true.";
        } else if (status == 409 || status == 422) {
            message = "The schema registry at " + baseUrl + " rejected the schema for " + what + " (" + detail
                    + "). It is probably incompatible with the versions already registered under the subject.";
        } else {
            message = "The schema registry at " + baseUrl + " answered unexpectedly (" + detail + ").";
        }
        throw new SchemaRegistryException(message, status, null);
    }

    private static Schema parseSchema(JsonNode answer, String what) throws SchemaRegistryException {
        JsonNode schema = answer.get("schema");
        if (schema == null || !schema.isTextual()) {
            throw new SchemaRegistryException("The schema registry's answer for " + what + " has no 'schema' "
                    + "string: " + abbreviate(answer.toString()), 200, null);
        }
        try {
            return new Schema.Parser().parse(schema.asText());
        } catch (RuntimeException e) {
            throw new SchemaRegistryException("The schema registry's schema for " + what + " is not an Avro "
                    + "schema (only AVRO subjects are supported): " + e.getMessage(), 200, e);
        }
    }

    private static int intField(JsonNode answer, String field, String subject) throws SchemaRegistryException {
        JsonNode value = answer.get(field);
        if (value == null || !value.canConvertToInt()) {
            throw new SchemaRegistryException("The schema registry's answer for subject '" + subject + "' has no '"
                    + field + "': " + abbreviate(answer.toString()), 200, null);
        }
        return value.asInt();
    }

    private static SSLContext sslContext(RegistrySettings settings) {
        try {
            TrustManagerFactory trust = null;
            if (settings.truststore() != null) {
                trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                trust.init(load(settings.truststore(), SerdeOptions.SSL_TRUSTSTORE_LOCATION));
            }
            KeyManagerFactory keys = null;
            if (settings.keystore() != null) {
                keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                String keyPassword = settings.keyPassword() != null ? settings.keyPassword()
                        : settings.keystore().password();
                keys.init(load(settings.keystore(), SerdeOptions.SSL_KEYSTORE_LOCATION),
                        keyPassword == null ? null : keyPassword.toCharArray());
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys == null ? null : keys.getKeyManagers(),
                    trust == null ? null : trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("Cannot set up TLS for the schema registry: " + e.getMessage()
                    + ". Check the " + SerdeOptions.SSL_TRUSTSTORE_LOCATION + " / " + SerdeOptions.SSL_KEYSTORE_LOCATION
                    + " settings, their passwords and types.", e);
        }
    }

    private static KeyStore load(RegistrySettings.Store store, String option) throws GeneralSecurityException {
        try (InputStream in = Files.newInputStream(Path.of(store.location()))) {
            KeyStore keyStore = KeyStore.getInstance(store.type());
            keyStore.load(in, store.password() == null ? null : store.password().toCharArray());
            return keyStore;
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read " + option + "=" + store.location() + " as a "
                    + store.type() + " store: " + e.getMessage() + ". Check the file, its password and its type.", e);
        }
    }

    private static String describe(IOException e) {
        String message = e.getMessage();
        Throwable cause = e.getCause();
        if ((message == null || message.isBlank()) && cause != null) {
            message = cause.getMessage();
        }
        return e.getClass().getSimpleName() + (message == null ? "" : " " + message);
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    private static String encode(String subject) {
        return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String abbreviate(String text) {
        return text.length() <= 300 ? text : text.substring(0, 300) + "…";
    }
}
