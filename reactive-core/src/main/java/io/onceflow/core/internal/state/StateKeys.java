package io.onceflow.core.internal.state;

import io.onceflow.core.KeyEncodingException;
import io.onceflow.core.internal.text.Utf8Text;
import java.nio.charset.StandardCharsets;

/**
 * Encodes keyed operators' state keys as strings for the commit point: a {@code String} key as itself, so that state
 * rows read naturally, a whole number as its digits, and any other key as its JSON. One operator's keys have one
 * type, so the encoding is injective; it is never decoded (a keyed operator finds a restored entry by the encoded
 * key of a record), so it need not say the key's class.
 */
public final class StateKeys {

    /**
     * The most bytes of UTF-8 a stored state key may have: 64 KiB. A key is committed with its value in one changelog
     * record, which the Kafka producer and broker cap at 1 MiB by default, so a key taken from a record's field (an
     * account id a hostile producer made hundreds of kilobytes long) could make a state that no checkpoint can commit:
     * the pipeline would stop there, where a key refused when it is first seen is one dead letter. Real keys are far
     * shorter; the bound leaves the value most of a record.
     */
    public static final int MAX_KEY_BYTES = 64 * 1024;

    private StateKeys() {}

    public static String encode(Object key) {
        if (key instanceof String text) {
            return text;
        }
        if (wholeNumber(key)) {
            return key.toString(); // the same text as JSON, without a trip through Jackson on the hot path
        }
        return StateJson.PLAIN.writeValueAsString(key);
    }

    /** Whether {@link #encode} cannot fail for {@code key}: a string or a whole number. */
    public static boolean alwaysEncodable(Object key) {
        return key instanceof String || wholeNumber(key);
    }

    /**
     * Refuses a key whose stored form is longer than {@link #MAX_KEY_BYTES}, or holds an unpaired UTF-16 surrogate: the sinks store keys as UTF-8, which has no
     * encoding for it, so it would be stored as {@code ?} and share its state with another key after a restore. Called
     * when a key is first seen, so that its record is dead-lettered rather than a checkpoint failed; a scan of the
     * text, which a string without surrogates passes at one comparison per character.
     *
     * @param operator the operator as a message names it, such as {@code keyed operator 'balances'}
     * @throws KeyEncodingException naming the key and the surrogate
     */
    public static void requireStorable(String operator, String stored) {
        // only a long key can be over the bound: most are decided by their length, without encoding them
        int bytes = (long) stored.length() * 3 <= MAX_KEY_BYTES ? 0 : stored.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_KEY_BYTES) {
            throw new KeyEncodingException(
                    operator,
                    stored,
                    "it is " + bytes + " bytes of UTF-8, more than the " + MAX_KEY_BYTES + " a state key may have (a"
                            + " key is committed with its value in one changelog record, which Kafka caps at 1 MiB by"
                            + " default: a longer key could make a state that no checkpoint can commit); take keys"
                            + " from bounded fields, or validate them first",
                    null);
        }
        int index = Utf8Text.unpairedSurrogate(stored);
        if (index >= 0) {
            throw new KeyEncodingException(
                    operator,
                    stored,
                    "it holds " + Utf8Text.describe(stored, index) + ", which UTF-8 cannot store: it would be stored"
                            + " as '?' and share its state with another key (such text usually comes from a lone \\u"
                            + " escape in JSON)",
                    null);
        }
    }

    private static boolean wholeNumber(Object key) {
        return key instanceof Long || key instanceof Integer || key instanceof Short || key instanceof Byte;
    }
}
