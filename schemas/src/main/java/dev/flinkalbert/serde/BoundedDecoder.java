package dev.flinkalbert.serde;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.Decoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.util.Utf8;

/**
 * Avro binary decoding of one message that refuses lengths and counts the message cannot hold. Avro allocates a
 * string, byte array or collection of the length a record claims before reading it, so a corrupt record could
 * claim gigabytes; here the claim is checked against the bytes left first. (Every array or map item of the
 * project's schemas takes at least one byte.)
 */
final class BoundedDecoder extends Decoder {

    private final ByteArrayInputStream in;
    /** Reads straight from {@link #in} without buffering ahead, so {@code in.available()} is what is left. */
    private final BinaryDecoder binary;

    BoundedDecoder(ByteArrayInputStream in) {
        this.in = in;
        this.binary = DecoderFactory.get().directBinaryDecoder(in, null);
    }

    @Override
    public void readNull() throws IOException {
        binary.readNull();
    }

    @Override
    public boolean readBoolean() throws IOException {
        return binary.readBoolean();
    }

    @Override
    public int readInt() throws IOException {
        return binary.readInt();
    }

    @Override
    public long readLong() throws IOException {
        return binary.readLong();
    }

    @Override
    public float readFloat() throws IOException {
        return binary.readFloat();
    }

    @Override
    public double readDouble() throws IOException {
        return binary.readDouble();
    }

    @Override
    public Utf8 readString(Utf8 old) throws IOException {
        checkNextLength("string");
        return binary.readString(old);
    }

    @Override
    public String readString() throws IOException {
        checkNextLength("string");
        return binary.readString();
    }

    @Override
    public void skipString() throws IOException {
        checkNextLength("string");
        binary.skipString();
    }

    @Override
    public ByteBuffer readBytes(ByteBuffer old) throws IOException {
        checkNextLength("bytes");
        return binary.readBytes(old);
    }

    @Override
    public void skipBytes() throws IOException {
        checkNextLength("bytes");
        binary.skipBytes();
    }

    @Override
    public void readFixed(byte[] bytes, int start, int length) throws IOException {
        binary.readFixed(bytes, start, length);
    }

    @Override
    public void skipFixed(int length) throws IOException {
        binary.skipFixed(length);
    }

    @Override
    public int readEnum() throws IOException {
        return binary.readEnum();
    }

    @Override
    public long readArrayStart() throws IOException {
        return checkCount(binary.readArrayStart(), "array");
    }

    @Override
    public long arrayNext() throws IOException {
        return checkCount(binary.arrayNext(), "array");
    }

    @Override
    public long skipArray() throws IOException {
        return binary.skipArray();
    }

    @Override
    public long readMapStart() throws IOException {
        return checkCount(binary.readMapStart(), "map");
    }

    @Override
    public long mapNext() throws IOException {
        return checkCount(binary.mapNext(), "map");
    }

    @Override
    public long skipMap() throws IOException {
        return binary.skipMap();
    }

    @Override
    public int readIndex() throws IOException {
        return binary.readIndex();
    }

    private long checkCount(long count, String what) throws MalformedRecordException {
        if (count > in.available()) {
            throw new MalformedRecordException("The record claims " + count + " " + what + " items, but only "
                    + in.available() + " bytes are left in the message: it is corrupt or truncated.");
        }
        return count;
    }

    /** Peeks the zig-zag varint length in front of a string or bytes value and checks the message holds it. */
    private void checkNextLength(String what) throws MalformedRecordException {
        in.mark(0);
        long raw = 0;
        int shift = 0;
        int b;
        do {
            b = in.read();
            if (b == -1) {
                break; // the decoder reports the truncation
            }
            raw |= (long) (b & 0x7F) << shift;
            shift += 7;
        } while ((b & 0x80) != 0 && shift < 70);
        long length = (raw >>> 1) ^ -(raw & 1);
        int left = in.available();
        in.reset();
        if (length > left) {
            throw new MalformedRecordException("The record claims a " + what + " of " + length + " bytes, but only "
                    + left + " bytes are left in the message: it is corrupt or truncated.");
        }
    }
}
