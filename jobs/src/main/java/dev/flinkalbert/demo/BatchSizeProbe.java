package dev.flinkalbert.demo;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.OptionalDouble;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Reads the micro-batching operator's mean batch size ({@code microBatch.batchSize}, averaged over subtasks) from
 * the Flink REST API, as the web UI shows it. Flink refreshes these figures every
 * {@code metrics.fetcher.update-interval}.
 */
final class BatchSizeProbe {

    /** The histogram's mean as the REST API names it, after the operator's name. */
    static final String METRIC_SUFFIX = ".microBatch.batchSize_mean";
    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    private final URI base;
    private String metricPath;

    /** @param jobBase the job's REST resource, {@code http://host:port/jobs/<id>} */
    BatchSizeProbe(URI jobBase) {
        this.base = jobBase;
    }

    /** The mean batch size now, or empty while the figure is not (yet) available. */
    OptionalDouble meanBatchSize() {
        try {
            if (metricPath == null) {
                metricPath = findMetric();
                if (metricPath == null) {
                    return OptionalDouble.empty();
                }
            }
            JsonNode values = get(metricPath);
            return values.size() == 0 ? OptionalDouble.empty() : OptionalDouble.of(values.get(0).path("avg").asDouble());
        } catch (IOException e) {
            return OptionalDouble.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalDouble.empty();
        }
    }

    private String findMetric() throws IOException, InterruptedException {
        for (JsonNode vertex : get("").path("vertices")) {
            String subtaskMetrics = "/vertices/" + vertex.path("id").asText() + "/subtasks/metrics";
            for (JsonNode metric : get(subtaskMetrics)) {
                String id = metric.path("id").asText();
                if (id.endsWith(METRIC_SUFFIX)) {
                    return subtaskMetrics + "?get=" + URLEncoder.encode(id, StandardCharsets.UTF_8);
                }
            }
        }
        return null;
    }

    private JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create(base + path)).timeout(TIMEOUT).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("HTTP " + response.statusCode() + " from " + base + path);
        }
        return JSON.readTree(response.body());
    }
}
