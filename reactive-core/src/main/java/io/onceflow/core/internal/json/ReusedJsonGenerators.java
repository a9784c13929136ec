package io.onceflow.core.internal.json;

import java.io.OutputStream;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.SerializationFeature;

/**
 * Writes values as JSON bytes through one {@link ObjectWriter}, with a generator and an output buffer kept per thread
 * and reused from one value to the next.
 *
 * <p>Why: {@link ObjectWriter#writeValueAsBytes} builds a generator, its I/O context and an output builder for every
 * value, and recycles its buffers through a thread-local pool; for a record of a few dozen bytes that costs more than
 * writing it (a JFR profile of the Kafka to Kafka benchmark put the generator's construction, its context and the
 * buffer recycling among the hottest methods; measured alone, a three-field record took about 190 ns and 552 bytes of
 * garbage that way, 125 ns and 208 bytes this way; a keyed state's record, written at every checkpoint that changed it,
 * the same). Each value still gets a serialization context of its own, as
 * {@code writeValueAsBytes} gives it: what the context remembers (object ids of {@code @JsonIdentityInfo}) never
 * carries from one record to the next. The bytes are the same: no separator is written between root values.
 *
 * <p>A thread's generator is dropped when a value fails to write (it may have stopped inside the value) and when a
 * value grew the thread's buffer past {@link #KEPT_BUFFER_BYTES}, so that one large record does not pin its buffer.
 * A mapper that indents its output gets a generator per value, as before. Thread-safe: each thread writes with its own generator.
 */
public final class ReusedJsonGenerators {

    /** A thread keeps its buffer only up to this size. */
    public static final int KEPT_BUFFER_BYTES = 64 * 1024;

    private final ObjectWriter writer;
    private final ThreadLocal<@Nullable Slot> slots = new ThreadLocal<>();

    /**
     * Whether each value gets a generator of its own after all: a pretty printer writes its own separator before
     * every root value but the first of a generator, which the writer's setting does not remove.
     */
    private final boolean perValue;

    public ReusedJsonGenerators(ObjectWriter writer) {
        this.writer = writer.withRootValueSeparator((String) null);
        this.perValue = writer.getConfig().isEnabled(SerializationFeature.INDENT_OUTPUT);
    }

    /** {@code value} as JSON, the bytes {@link ObjectWriter#writeValueAsBytes} writes. */
    public byte[] write(@Nullable Object value) {
        if (perValue) {
            return writer.writeValueAsBytes(value);
        }
        Slot slot = slots.get();
        if (slot == null) {
            slot = new Slot(writer);
            slots.set(slot);
        }
        byte[] bytes;
        try {
            bytes = slot.write(writer, value);
        } catch (RuntimeException | Error failure) {
            slots.remove(); // the generator may be inside the value it failed on
            throw failure;
        }
        if (slot.out.capacity() > KEPT_BUFFER_BYTES) {
            slots.remove();
        }
        return bytes;
    }

    /** One thread's generator and the buffer it writes into. */
    private static final class Slot {
        final Buffer out = new Buffer();
        final JsonGenerator generator;

        Slot(ObjectWriter writer) {
            this.generator = writer.createGenerator(out);
        }

        byte[] write(ObjectWriter writer, @Nullable Object value) {
            out.reset();
            writer.writeValue(generator, value);
            generator.flush();
            return out.toByteArray();
        }
    }

    /** A growable byte buffer, unsynchronized ({@code ByteArrayOutputStream} takes a lock per call). */
    static final class Buffer extends OutputStream {
        private byte[] bytes = new byte[256];
        private int size;

        @Override
        public void write(int b) {
            ensure(size + 1);
            bytes[size++] = (byte) b;
        }

        @Override
        public void write(byte[] source, int offset, int length) {
            ensure(size + length);
            System.arraycopy(source, offset, bytes, size, length);
            size += length;
        }

        void reset() {
            size = 0;
        }

        int capacity() {
            return bytes.length;
        }

        byte[] toByteArray() {
            return Arrays.copyOf(bytes, size);
        }

        private void ensure(int needed) {
            if (needed > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(needed, bytes.length * 2));
            }
        }
    }
}
