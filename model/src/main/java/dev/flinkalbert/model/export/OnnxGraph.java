package dev.flinkalbert.model.export;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A small ONNX graph writer over the protobuf classes: each {@code op} call adds one node and returns the name of
 * its (first) output, so graphs read like the NDArray code they mirror.
 */
final class OnnxGraph {

    private final GraphProto.Builder graph = GraphProto.newBuilder();
    private final Map<String, Integer> counters = new HashMap<>();
    private final Map<String, String> constants = new HashMap<>();

    OnnxGraph(String name) {
        graph.setName(name);
    }

    /** Adds a node; attributes are Long, Float, long[] or TensorProto.DataType values. Returns its first output. */
    String op(String type, Map<String, Object> attributes, String... inputs) {
        return opWithOutputs(type, attributes, 1, inputs)[0];
    }

    String op(String type, String... inputs) {
        return op(type, Map.of(), inputs);
    }

    String[] opWithOutputs(String type, Map<String, Object> attributes, int outputs, String... inputs) {
        int n = counters.merge(type, 1, Integer::sum);
        String name = type + "_" + n;
        NodeProto.Builder node = NodeProto.newBuilder().setOpType(type).setName(name);
        for (String input : inputs) {
            node.addInput(input);
        }
        String[] outs = new String[outputs];
        for (int i = 0; i < outputs; i++) {
            outs[i] = name + "_out" + i;
            node.addOutput(outs[i]);
        }
        // sorted: Map.of iterates in a different order in every JVM, and the same model should give the same bytes
        new TreeMap<>(attributes).forEach((k, v) -> node.addAttribute(attribute(k, v)));
        graph.addNode(node);
        return outs;
    }

    /**
     * Gives {@code tensor} the name {@code name} (a graph output): its producing node and every consumer so far
     * are rewritten. A tensor no node produces (an input or initializer) gets an Identity node instead.
     */
    String rename(String tensor, String name) {
        boolean produced = false;
        for (int i = 0; i < graph.getNodeCount(); i++) {
            NodeProto.Builder node = graph.getNode(i).toBuilder();
            for (int j = 0; j < node.getOutputCount(); j++) {
                if (node.getOutput(j).equals(tensor)) {
                    node.setOutput(j, name);
                    produced = true;
                }
            }
            for (int j = 0; j < node.getInputCount(); j++) {
                if (node.getInput(j).equals(tensor)) {
                    node.setInput(j, name);
                }
            }
            graph.setNode(i, node);
        }
        if (!produced) {
            graph.addNode(NodeProto.newBuilder().setOpType("Identity").setName("Identity_" + name)
                    .addInput(tensor).addOutput(name));
        }
        return name;
    }

    private static AttributeProto attribute(String name, Object value) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name);
        if (value instanceof Long l) {
            a.setType(AttributeProto.AttributeType.INT).setI(l);
        } else if (value instanceof Integer i) {
            a.setType(AttributeProto.AttributeType.INT).setI(i);
        } else if (value instanceof Float f) {
            a.setType(AttributeProto.AttributeType.FLOAT).setF(f);
        } else if (value instanceof long[] ints) {
            a.setType(AttributeProto.AttributeType.INTS);
            for (long v : ints) {
                a.addInts(v);
            }
        } else if (value instanceof TensorProto.DataType t) {
            a.setType(AttributeProto.AttributeType.INT).setI(t.getNumber());
        } else {
            throw new IllegalArgumentException("unsupported attribute " + name + " = " + value);
        }
        return a.build();
    }

    /** A float initializer with the given dims. */
    String initializer(String name, long[] dims, float[] values) {
        ByteBuffer data = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        data.asFloatBuffer().put(values);
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT.getNumber())
                .setRawData(ByteString.copyFrom(data.array()));
        for (long d : dims) {
            t.addDims(d);
        }
        graph.addInitializer(t);
        return name;
    }

    /** A float scalar constant (initializer), shared by value. */
    String scalar(float value) {
        return constants.computeIfAbsent("f" + Float.floatToIntBits(value),
                k -> initializer("const_" + k.replace('-', 'm'), new long[0], new float[] {value}));
    }

    /** An int64 constant (1-D, or a scalar when {@code scalar}), shared by value. */
    String int64(boolean scalar, long... values) {
        String key = (scalar ? "s" : "v") + java.util.Arrays.toString(values);
        return constants.computeIfAbsent(key, k -> {
            String name = "const_i64_" + constants.size();
            ByteBuffer data = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
            data.asLongBuffer().put(values);
            TensorProto.Builder t = TensorProto.newBuilder().setName(name)
                    .setDataType(TensorProto.DataType.INT64.getNumber()).setRawData(ByteString.copyFrom(data.array()));
            if (!scalar) {
                t.addDims(values.length);
            }
            graph.addInitializer(t);
            return name;
        });
    }

    /** Declares a graph input; dims are Long (fixed) or String (symbolic). */
    void input(String name, TensorProto.DataType type, Object... dims) {
        graph.addInput(valueInfo(name, type, dims));
    }

    /** Declares a graph output; dims are Long (fixed) or String (symbolic). */
    void output(String name, TensorProto.DataType type, Object... dims) {
        graph.addOutput(valueInfo(name, type, dims));
    }

    private static ValueInfoProto valueInfo(String name, TensorProto.DataType type, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object d : dims) {
            if (d instanceof String s) {
                shape.addDimBuilder().setDimParam(s);
            } else {
                shape.addDimBuilder().setDimValue(((Number) d).longValue());
            }
        }
        TypeProto.Builder t = TypeProto.newBuilder();
        t.getTensorTypeBuilder().setElemType(type.getNumber()).setShape(shape);
        return ValueInfoProto.newBuilder().setName(name).setType(t).build();
    }

    GraphProto build() {
        return graph.build();
    }
}
