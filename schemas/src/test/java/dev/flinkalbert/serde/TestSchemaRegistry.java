package dev.flinkalbert.serde;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.apache.avro.Schema;

/**
 * The Confluent Schema Registry REST endpoints the serializers use, on 127.0.0.1, with Confluent's JSON shapes and
 * content type: {@code POST /subjects/{s}/versions}, {@code POST /subjects/{s}}, {@code GET /schemas/ids/{id}},
 * {@code GET /subjects/{s}/versions/latest}. Records every request so tests can count them.
 */
final class TestSchemaRegistry implements AutoCloseable {
    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One request as received. */
    record Request(String method, String path, String authorization, String contentType) {
    }

    private final HttpServer server;
    private final String scheme;
    private final String basePath;
    private final List<String> schemasById = new ArrayList<>(); // id - 1 → schema JSON
    private final Map<String, List<Integer>> idsBySubject = new LinkedHashMap<>();
    private final List<Request> requests = Collections.synchronizedList(new ArrayList<>());
    private volatile String requiredAuthorization;

    private TestSchemaRegistry(HttpServer server, String scheme, String basePath) {
        this.server = server;
        this.scheme = scheme;
        this.basePath = basePath;
        server.createContext(basePath + "/", this::handle);
        server.start();
    }

    static TestSchemaRegistry http() throws IOException {
        return http("");
    }

    /** The API under {@code basePath}, as Apicurio serves it under {@code /apis/ccompat/v7}. */
    static TestSchemaRegistry http(String basePath) throws IOException {
        return new TestSchemaRegistry(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0),
                "http", basePath);
    }

    /** HTTPS with {@code context}'s certificate; {@code needClientAuth} asks for a client certificate. */
    static TestSchemaRegistry https(SSLContext context, boolean needClientAuth) throws IOException {
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(context) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters parameters = context.getDefaultSSLParameters();
                parameters.setNeedClientAuth(needClientAuth);
                params.setSSLParameters(parameters);
            }
        });
        return new TestSchemaRegistry(server, "https", "");
    }

    String url() {
        return scheme + "://127.0.0.1:" + server.getAddress().getPort() + basePath;
    }

    /** Answer 401 unless requests carry basic authentication with {@code userInfo}. */
    void requireBasicAuth(String userInfo) {
        requiredAuthorization = "Basic " + java.util.Base64.getEncoder()
                .encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
    }

    List<Request> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    /** Registers directly, as another producer would have. */
    synchronized int register(String subject, Schema schema) {
        String json = schema.toString();
        int id = schemasById.indexOf(json) + 1;
        if (id == 0) {
            schemasById.add(json);
            id = schemasById.size();
        }
        List<Integer> versions = idsBySubject.computeIfAbsent(subject, s -> new ArrayList<>());
        if (!versions.contains(id)) {
            versions.add(id);
        }
        return id;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getRawPath().substring(basePath.length());
            requests.add(new Request(method, path, exchange.getRequestHeaders().getFirst("Authorization"),
                    exchange.getRequestHeaders().getFirst("Content-Type")));
            byte[] body = exchange.getRequestBody().readAllBytes();
            if (requiredAuthorization != null
                    && !requiredAuthorization.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                respond(exchange, 401, Map.of("error_code", 401, "message", "Unauthorized"));
                return;
            }
            String[] parts = path.substring(1).split("/");
            for (int i = 0; i < parts.length; i++) {
                parts[i] = URLDecoder.decode(parts[i], StandardCharsets.UTF_8);
            }
            synchronized (this) {
                route(exchange, method, parts, body);
            }
        }
    }

    private void route(HttpExchange exchange, String method, String[] parts, byte[] body) throws IOException {
        if (method.equals("GET") && parts.length == 3 && parts[0].equals("schemas") && parts[1].equals("ids")) {
            int id = Integer.parseInt(parts[2]);
            if (id < 1 || id > schemasById.size()) {
                respond(exchange, 404, Map.of("error_code", 40403, "message", "Schema " + id + " not found"));
            } else {
                respond(exchange, 200, Map.of("schema", schemasById.get(id - 1)));
            }
        } else if (method.equals("POST") && parts.length == 3 && parts[0].equals("subjects")
                && parts[2].equals("versions")) {
            int id = register(parts[1], schemaOf(body));
            respond(exchange, 200, Map.of("id", id));
        } else if (method.equals("POST") && parts.length == 2 && parts[0].equals("subjects")) {
            List<Integer> versions = idsBySubject.get(parts[1]);
            int id = schemasById.indexOf(schemaOf(body).toString()) + 1;
            if (versions == null) {
                respond(exchange, 404, Map.of("error_code", 40401, "message", "Subject '" + parts[1] + "' not found."));
            } else if (!versions.contains(id)) {
                respond(exchange, 404, Map.of("error_code", 40403, "message", "Schema not found"));
            } else {
                respond(exchange, 200, version(parts[1], versions.indexOf(id) + 1, id));
            }
        } else if (method.equals("GET") && parts.length == 4 && parts[0].equals("subjects")
                && parts[2].equals("versions") && parts[3].equals("latest")) {
            List<Integer> versions = idsBySubject.get(parts[1]);
            if (versions == null) {
                respond(exchange, 404, Map.of("error_code", 40401, "message", "Subject '" + parts[1] + "' not found."));
            } else {
                respond(exchange, 200, version(parts[1], versions.size(), versions.get(versions.size() - 1)));
            }
        } else {
            respond(exchange, 404, Map.of("error_code", 404, "message", "HTTP 404 Not Found"));
        }
    }

    private Map<String, Object> version(String subject, int version, int id) {
        return Map.of("subject", subject, "version", version, "id", id, "schema", schemasById.get(id - 1));
    }

    private static Schema schemaOf(byte[] body) throws IOException {
        JsonNode request = JSON.readTree(body);
        return new Schema.Parser().parse(request.get("schema").asText());
    }

    private static void respond(HttpExchange exchange, int status, Map<String, Object> body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
