package dev.flinkalbert.model.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads and writes the {@code safetensors} format of Hugging Face: an 8-byte little-endian header length, a
 * JSON header mapping each tensor name to {@code dtype}, {@code shape} and {@code data_offsets}, then the raw
 * little-endian data.
 *
 * <pre>{@code
 * Map<String, SafeTensors.Tensor> weights = SafeTensors.read(Path.of("model.safetensors"));
 * SafeTensors.write(Path.of("copy.safetensors"), weights, Map.of("format", "pt"));
 * }</pre>
 *
 * Tensors are read as float32 (F32, F16 and BF16 are widened) and written as F32 with names sorted and data
 * laid out in that order, as the Python library does; the header is padded with spaces to 8 bytes.
 */
public final class SafeTensors {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** A header larger than this is not a safetensors file (the Python library refuses above 100 MB too). */
    private static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private SafeTensors() {}

    /** One tensor: its shape and float32 values in row-major order. */
    public record Tensor(long[] shape, float[] values) {
        public Tensor {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            if (n != values.length) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + n
                        + " values, not " + values.length);
            }
        }
    }

    /** Reads every tensor of a file, in the order of the header. */
    public static Map<String, Tensor> read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, len, 0, file);
            long headerLength = len.flip().getLong();
            long size = ch.size();
            if (headerLength <= 0 || headerLength > MAX_HEADER_BYTES || 8 + headerLength > size) {
                throw new IOException(file + " is not a safetensors file (header length " + headerLength + ")");
            }
            ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
            readFully(ch, headerBytes, 8, file);
            JsonNode header = JSON.readTree(new String(headerBytes.array(), StandardCharsets.UTF_8));
            long dataStart = 8 + headerLength;
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) {
                    continue;
                }
                JsonNode info = e.getValue();
                String dtype = info.path("dtype").asText();
                long[] shape = new long[info.path("shape").size()];
                long count = 1;
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = info.path("shape").get(i).asLong();
                    count *= shape[i];
                }
                long begin = info.path("data_offsets").path(0).asLong(-1);
                long end = info.path("data_offsets").path(1).asLong(-1);
                int width = switch (dtype) {
                    case "F32" -> 4;
                    case "F16", "BF16" -> 2;
                    default -> throw new IOException(file + ": tensor " + e.getKey() + " has dtype " + dtype
                            + "; only F32, F16 and BF16 are supported");
                };
                if (begin < 0 || end < begin || dataStart + end > size || end - begin != count * width
                        || count > Integer.MAX_VALUE) {
                    throw new IOException(file + ": tensor " + e.getKey() + " has bad data_offsets ["
                            + begin + ", " + end + "] for shape " + Arrays.toString(shape));
                }
                ByteBuffer data = ByteBuffer.allocate((int) (end - begin)).order(ByteOrder.LITTLE_ENDIAN);
                readFully(ch, data, dataStart + begin, file);
                data.flip();
                out.put(e.getKey(), new Tensor(shape, decode(data, dtype, (int) count)));
            }
            return out;
        }
    }

    private static float[] decode(ByteBuffer data, String dtype, int count) {
        float[] values = new float[count];
        switch (dtype) {
            case "F32" -> data.asFloatBuffer().get(values);
            case "F16" -> {
                for (int i = 0; i < count; i++) {
                    values[i] = halfToFloat(data.getShort());
                }
            }
            default -> {
                for (int i = 0; i < count; i++) {
                    values[i] = Float.intBitsToFloat((data.getShort() & 0xffff) << 16);
                }
            }
        }
        return values;
    }

    /** IEEE 754 binary16 to float (Java 17 has no {@code Float.float16ToFloat}). */
    static float halfToFloat(short half) {
        int bits = half & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            float magnitude = mantissa * 0x1p-24f;
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position, Path file) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException(file + " ends early: truncated safetensors file");
            }
            pos += n;
        }
    }

    /** Writes tensors as F32, names sorted, with the given {@code __metadata__} (string values). */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        Map<String, Tensor> sorted = new TreeMap<>(tensors);
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> e : sorted.entrySet()) {
            ObjectNode info = header.putObject(e.getKey());
            info.put("dtype", "F32");
            Arrays.stream(e.getValue().shape()).forEach(info.putArray("shape")::add);
            long bytes = 4L * e.getValue().values().length;
            info.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            out.write(head.array());
            for (Tensor t : sorted.values()) {
                ByteBuffer data = ByteBuffer.allocate(4 * t.values().length).order(ByteOrder.LITTLE_ENDIAN);
                data.asFloatBuffer().put(t.values());
                out.write(data.array());
            }
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
