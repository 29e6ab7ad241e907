package dev.flinkalbert.serde;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Conversion;
import org.apache.avro.Conversions;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericFixed;

/**
 * Avro records as the JSON a person would write: a record is an object of its fields, a nullable value is the value
 * or {@code null} (no union wrapper as in Avro's JSON encoding), maps are objects, enums their symbol, bytes Base64,
 * timestamps epoch milliseconds (ISO-8601 text is read too); an unset field marked {@value #OMIT_NULL} is left out.
 * Reading, missing fields take their schema default,
 * unknown fields are ignored, and a number is taken where a string belongs ({@code "id": 42}).
 */
final class NaturalJson {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private NaturalJson() {
    }

    /**
     * Fields the job sets for itself (such as {@code TextEvent.source}) carry {@value #OMIT_NULL} in their schema:
     * a person never writes them, so an unset one is left out rather than shown as {@code null}.
     */
    static final String OMIT_NULL = "json.omit-null";

    private static boolean omittedWhenNull(Schema.Field field) {
        return Boolean.TRUE.equals(field.getObjectProp(OMIT_NULL));
    }

    /** {@code datum} of {@code schema} as a JSON tree; {@code model} knows the datum's classes and conversions. */
    static JsonNode toJson(Object datum, Schema schema, GenericData model) {
        Object value = toRaw(datum, schema, model);
        switch (schema.getType()) {
            case RECORD: {
                ObjectNode object = NODES.objectNode();
                for (Schema.Field field : schema.getFields()) {
                    Object fieldValue = model.getField(value, field.name(), field.pos());
                    if (fieldValue == null && omittedWhenNull(field)) {
                        continue;
                    }
                    object.set(field.name(), toJson(fieldValue, field.schema(), model));
                }
                return object;
            }
            case UNION:
                return toJson(value, schema.getTypes().get(model.resolveUnion(schema, value)), model);
            case MAP: {
                ObjectNode object = NODES.objectNode();
                ((Map<?, ?>) value).forEach((key, item) -> object.set(key.toString(),
                        toJson(item, schema.getValueType(), model)));
                return object;
            }
            case ARRAY: {
                ArrayNode array = NODES.arrayNode();
                ((Collection<?>) value).forEach(item -> array.add(toJson(item, schema.getElementType(), model)));
                return array;
            }
            case STRING:
            case ENUM:
                return NODES.textNode(value.toString());
            case BYTES: {
                ByteBuffer buffer = ((ByteBuffer) value).duplicate();
                byte[] bytes = new byte[buffer.remaining()];
                buffer.get(bytes);
                return NODES.textNode(Base64.getEncoder().encodeToString(bytes));
            }
            case FIXED:
                return NODES.textNode(Base64.getEncoder().encodeToString(((GenericFixed) value).bytes()));
            case INT:
                return NODES.numberNode((Integer) value);
            case LONG:
                return NODES.numberNode((Long) value);
            case FLOAT:
                return NODES.numberNode((Float) value);
            case DOUBLE:
                return NODES.numberNode((Double) value);
            case BOOLEAN:
                return NODES.booleanNode((Boolean) value);
            case NULL:
                return NODES.nullNode();
            default:
                throw new IllegalArgumentException("Unsupported Avro type " + schema.getType());
        }
    }

    /**
     * The JSON tree {@code node} as a datum of {@code schema}; {@code path} names the place in errors.
     *
     * @throws MalformedRecordException when the JSON does not fit the schema
     */
    static Object fromJson(JsonNode node, Schema schema, GenericData model, String path)
            throws MalformedRecordException {
        Object raw = fromJsonRaw(node, schema, model, path);
        LogicalType logicalType = schema.getLogicalType();
        Conversion<?> conversion = logicalType == null ? null : model.getConversionFor(logicalType);
        return conversion == null ? raw : Conversions.convertToLogicalType(raw, schema, logicalType, conversion);
    }

    private static Object fromJsonRaw(JsonNode node, Schema schema, GenericData model, String path)
            throws MalformedRecordException {
        boolean isNull = node == null || node.isNull();
        switch (schema.getType()) {
            case RECORD: {
                expect(node != null && node.isObject(), "an object", node, path);
                Object record = model.newRecord(null, schema);
                for (Schema.Field field : schema.getFields()) {
                    JsonNode value = node.get(field.name());
                    String fieldPath = path + "." + field.name();
                    Object datum;
                    if (value == null && field.hasDefaultValue()) {
                        datum = model.getDefaultValue(field);
                    } else if (value == null) {
                        throw new MalformedRecordException("The JSON lacks the required field " + fieldPath + ".");
                    } else {
                        datum = fromJson(value, field.schema(), model, fieldPath);
                    }
                    model.setField(record, field.name(), field.pos(), datum);
                }
                return record;
            }
            case UNION: {
                if (isNull && schema.getIndexNamed(Schema.Type.NULL.getName()) != null) {
                    return null;
                }
                MalformedRecordException firstMismatch = null;
                for (Schema branch : schema.getTypes()) {
                    if (branch.getType() == Schema.Type.NULL) {
                        continue;
                    }
                    try {
                        return fromJson(node, branch, model, path);
                    } catch (MalformedRecordException e) {
                        firstMismatch = firstMismatch == null ? e : firstMismatch;
                    }
                }
                throw firstMismatch != null ? firstMismatch
                        : new MalformedRecordException("The JSON has " + describe(node) + " at " + path
                                + " where only null fits.");
            }
            case MAP: {
                expect(node != null && node.isObject(), "an object", node, path);
                Map<String, Object> map = new LinkedHashMap<>();
                for (Map.Entry<String, JsonNode> entry : node.properties()) {
                    map.put(entry.getKey(), fromJson(entry.getValue(), schema.getValueType(), model,
                            path + "." + entry.getKey()));
                }
                return map;
            }
            case ARRAY: {
                expect(node != null && node.isArray(), "an array", node, path);
                List<Object> list = new GenericData.Array<>(node.size(), schema);
                for (int i = 0; i < node.size(); i++) {
                    list.add(fromJson(node.get(i), schema.getElementType(), model, path + "[" + i + "]"));
                }
                return list;
            }
            case STRING:
                expect(node != null && (node.isTextual() || node.isNumber()), "a string", node, path);
                return node.asText();
            case ENUM: {
                expect(node != null && node.isTextual(), "a string", node, path);
                if (!schema.hasEnumSymbol(node.asText())) {
                    throw new MalformedRecordException("The JSON has '" + node.asText() + "' at " + path
                            + ", which is none of " + schema.getEnumSymbols() + ".");
                }
                return model.createEnum(node.asText(), schema);
            }
            case BYTES:
                return ByteBuffer.wrap(base64(node, path));
            case FIXED: {
                byte[] bytes = base64(node, path);
                if (bytes.length != schema.getFixedSize()) {
                    throw new MalformedRecordException("The JSON has " + bytes.length + " bytes at " + path
                            + " where " + schema.getFixedSize() + " fit.");
                }
                return model.createFixed(null, bytes, schema);
            }
            case INT:
                expect(node != null && node.isIntegralNumber() && node.canConvertToInt(), "a 32-bit integer",
                        node, path);
                return node.intValue();
            case LONG:
                if (node != null && node.isTextual() && isTimestamp(schema)) {
                    return parseTimestamp(node.asText(), schema, path);
                }
                expect(node != null && node.isIntegralNumber() && node.canConvertToLong(), "a 64-bit integer",
                        node, path);
                return node.longValue();
            case FLOAT:
                expect(node != null && node.isNumber(), "a number", node, path);
                return node.floatValue();
            case DOUBLE:
                expect(node != null && node.isNumber(), "a number", node, path);
                return node.doubleValue();
            case BOOLEAN:
                expect(node != null && node.isBoolean(), "true or false", node, path);
                return node.booleanValue();
            case NULL:
                expect(isNull, "null", node, path);
                return null;
            default:
                throw new IllegalArgumentException("Unsupported Avro type " + schema.getType());
        }
    }

    /** A converted value (an {@link Instant}, say) back to the Avro type it is written as. */
    private static Object toRaw(Object datum, Schema schema, GenericData model) {
        LogicalType logicalType = schema.getLogicalType();
        if (datum == null || logicalType == null) {
            return datum;
        }
        Conversion<?> conversion = model.getConversionByClass(datum.getClass(), logicalType);
        return conversion == null ? datum : Conversions.convertToRawType(datum, schema, logicalType, conversion);
    }

    private static boolean isTimestamp(Schema schema) {
        return schema.getLogicalType() instanceof LogicalTypes.TimestampMillis
                || schema.getLogicalType() instanceof LogicalTypes.TimestampMicros;
    }

    private static long parseTimestamp(String text, Schema schema, String path) throws MalformedRecordException {
        try {
            Instant instant = Instant.parse(text);
            return schema.getLogicalType() instanceof LogicalTypes.TimestampMillis ? instant.toEpochMilli()
                    : Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1000);
        } catch (DateTimeParseException | ArithmeticException e) {
            throw new MalformedRecordException("The JSON has '" + text + "' at " + path + ", which is neither "
                    + "epoch milliseconds nor an ISO-8601 instant such as 2024-05-01T12:00:00Z.", e);
        }
    }

    private static byte[] base64(JsonNode node, String path) throws MalformedRecordException {
        expect(node != null && node.isTextual(), "a Base64 string", node, path);
        try {
            return Base64.getDecoder().decode(node.asText());
        } catch (IllegalArgumentException e) {
            throw new MalformedRecordException("The JSON has a string at " + path + " that is not Base64.", e);
        }
    }

    private static void expect(boolean fits, String expected, JsonNode node, String path)
            throws MalformedRecordException {
        if (!fits) {
            throw new MalformedRecordException("The JSON has " + describe(node) + " at " + path + " where "
                    + expected + " belongs.");
        }
    }

    private static String describe(JsonNode node) {
        if (node == null) {
            return "nothing";
        }
        String text = node.toString();
        return node.getNodeType().name().toLowerCase() + " " + (text.length() > 40 ? text.substring(0, 40) + "…"
                : text);
    }
}
