package io.onceflow.chaos.ledger;

import java.nio.charset.StandardCharsets;

/**
 * One payment into an account: the campaign's input record.
 *
 * <p>Encoded as ASCII text, {@code id,account,seq,amountCents}, so that the verifier reads the input with nothing
 * but a string split.
 *
 * @param id unique over the input
 * @param account the account, also the record's key (so an account's payments share a partition, in order)
 * @param seq the account's sequence number, 1 for its first payment, as the producer numbered them
 * @param amountCents the amount, positive
 */
public record Payment(long id, String account, long seq, long amountCents) {

    /** The record's value bytes. */
    public byte[] encode() {
        return (id + "," + account + "," + seq + "," + amountCents).getBytes(StandardCharsets.US_ASCII);
    }

    /** The payment a record's value holds; throws {@link IllegalArgumentException} on anything else. */
    public static Payment decode(byte[] bytes) {
        String[] fields = new String(bytes, StandardCharsets.US_ASCII).split(",", -1);
        if (fields.length != 4) {
            throw new IllegalArgumentException("not a payment: " + new String(bytes, StandardCharsets.US_ASCII));
        }
        return new Payment(Long.parseLong(fields[0]), fields[1], Long.parseLong(fields[2]), Long.parseLong(fields[3]));
    }
}
