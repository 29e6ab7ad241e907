package dev.flinkalbert.inference;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes tiny ONNX models by hand (protobuf wire format, field numbers from onnx.proto): each output is an
 * {@code Identity} or a {@code Cast} to float of an input, so a test can declare any input and output names, types and shapes. IR version 8,
 * opset 17, as the ALBERT contract pins them.
 */
final class OnnxGraphWriter {

    static final int FLOAT = 1;
    static final int INT32 = 6;
    static final int INT64 = 7;

    private record Value(String name, int elemType, Object[] dims) {}

    private record Node(String op, String input, String output, int castTo) {}

    private final List<Value> inputs = new ArrayList<>();
    private final List<Value> outputs = new ArrayList<>();
    private final List<Node> nodes = new ArrayList<>();

    /** An input; dims are Long sizes or String symbolic names. */
    OnnxGraphWriter input(String name, int elemType, Object... dims) {
        inputs.add(new Value(name, elemType, dims));
        return this;
    }

    /** An output equal to {@code from} (Identity), with the same type and shape. */
    OnnxGraphWriter identity(String from, String output) {
        Value source = inputs.stream().filter(v -> v.name().equals(from)).findFirst().orElseThrow();
        outputs.add(new Value(output, source.elemType(), source.dims()));
        nodes.add(new Node("Identity", from, output, 0));
        return this;
    }

    /** An output equal to {@code from} cast to FLOAT (Cast), with the same shape. */
    OnnxGraphWriter castToFloat(String from, String output) {
        Value source = inputs.stream().filter(v -> v.name().equals(from)).findFirst().orElseThrow();
        outputs.add(new Value(output, FLOAT, source.dims()));
        nodes.add(new Node("Cast", from, output, FLOAT));
        return this;
    }

    void write(Path file) {
        ByteArrayOutputStream graph = new ByteArrayOutputStream();
        for (Node node : nodes) {
            ByteArrayOutputStream n = new ByteArrayOutputStream();
            string(n, 1, node.input());
            string(n, 2, node.output());
            string(n, 4, node.op());
            if (node.castTo() != 0) {
                ByteArrayOutputStream to = new ByteArrayOutputStream();
                string(to, 1, "to");
                varint(to, 3, node.castTo());
                varint(to, 20, 2); // AttributeProto.INT
                message(n, 5, to);
            }
            message(graph, 1, n);
        }
        string(graph, 2, "contract-test");
        for (Value v : inputs) {
            message(graph, 11, valueInfo(v));
        }
        for (Value v : outputs) {
            message(graph, 12, valueInfo(v));
        }
        ByteArrayOutputStream opset = new ByteArrayOutputStream();
        string(opset, 1, "");
        varint(opset, 2, 17);
        ByteArrayOutputStream model = new ByteArrayOutputStream();
        varint(model, 1, 8);
        message(model, 7, graph);
        message(model, 8, opset);
        try {
            Files.write(file, model.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ByteArrayOutputStream valueInfo(Value v) {
        ByteArrayOutputStream shape = new ByteArrayOutputStream();
        for (Object dim : v.dims()) {
            ByteArrayOutputStream d = new ByteArrayOutputStream();
            if (dim instanceof String symbolic) {
                string(d, 2, symbolic);
            } else {
                varint(d, 1, ((Number) dim).longValue());
            }
            message(shape, 1, d);
        }
        ByteArrayOutputStream tensor = new ByteArrayOutputStream();
        varint(tensor, 1, v.elemType());
        message(tensor, 2, shape);
        ByteArrayOutputStream type = new ByteArrayOutputStream();
        message(type, 1, tensor);
        ByteArrayOutputStream info = new ByteArrayOutputStream();
        string(info, 1, v.name());
        message(info, 2, type);
        return info;
    }

    private static void varint(ByteArrayOutputStream out, int field, long value) {
        rawVarint(out, (long) field << 3);
        rawVarint(out, value);
    }

    private static void string(ByteArrayOutputStream out, int field, String value) {
        bytes(out, field, value.getBytes(StandardCharsets.UTF_8));
    }

    private static void message(ByteArrayOutputStream out, int field, ByteArrayOutputStream body) {
        bytes(out, field, body.toByteArray());
    }

    private static void bytes(ByteArrayOutputStream out, int field, byte[] value) {
        rawVarint(out, ((long) field << 3) | 2);
        rawVarint(out, value.length);
        out.writeBytes(value);
    }

    private static void rawVarint(ByteArrayOutputStream out, long value) {
        while ((value & ~0x7FL) != 0) {
            out.write((int) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.write((int) value);
    }
}
