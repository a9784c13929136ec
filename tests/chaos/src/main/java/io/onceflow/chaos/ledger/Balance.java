package io.onceflow.chaos.ledger;

import java.nio.charset.StandardCharsets;

/**
 * An account's running balance after a payment: the ledger's keyed state, and its output, one per payment.
 *
 * <p>The processor applies every payment it is given, without checking it: a payment applied twice counts twice, and
 * a skipped one leaves a gap. That is on purpose: the pipeline, not the job, must make each payment count once, and
 * the verifier sees any failure as an entry whose {@code payments} (its place in the account's history) differs from
 * {@code lastSeq} (the payment's own sequence number).
 *
 * <p>Encoded as ASCII text, {@code account,payments,lastSeq,lastPaymentId,lastAmountCents,cents}.
 *
 * @param account the account
 * @param cents the balance: the sum of the payments applied
 * @param payments how many payments have been applied
 * @param lastSeq the sequence number of the last payment applied
 * @param lastPaymentId the id of the last payment applied, or -1
 * @param lastAmountCents the amount of the last payment applied
 */
public record Balance(
        String account, long cents, long payments, long lastSeq, long lastPaymentId, long lastAmountCents) {

    /** The state of an account no payment has reached. */
    public static Balance empty(String account) {
        return new Balance(account, 0, 0, 0, -1, 0);
    }

    /** The balance after {@code payment}, applied unconditionally. */
    public Balance apply(Payment payment) {
        return new Balance(
                account,
                cents + payment.amountCents(),
                payments + 1,
                payment.seq(),
                payment.id(),
                payment.amountCents());
    }

    /** The output record's value bytes. */
    public byte[] encode() {
        return (account + "," + payments + "," + lastSeq + "," + lastPaymentId + "," + lastAmountCents + "," + cents)
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** The balance an output record's value holds; throws {@link IllegalArgumentException} on anything else. */
    public static Balance decode(byte[] bytes) {
        String[] fields = new String(bytes, StandardCharsets.US_ASCII).split(",", -1);
        if (fields.length != 6) {
            throw new IllegalArgumentException("not a balance: " + new String(bytes, StandardCharsets.US_ASCII));
        }
        return new Balance(
                fields[0],
                Long.parseLong(fields[5]),
                Long.parseLong(fields[1]),
                Long.parseLong(fields[2]),
                Long.parseLong(fields[3]),
                Long.parseLong(fields[4]));
    }
}
