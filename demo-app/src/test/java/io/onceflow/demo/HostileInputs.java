package io.onceflow.demo;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Generated inputs for the fuzz test, deterministic by seed: valid payments in many spellings, and hostile ones of
 * every class the issue names (malformed JSON, wrong types, oversized values, number bombs, control characters incl.
 * U+0000, nested JSON, null keys and values, duplicates, wrong partitions), each with what must become of it.
 *
 * <p>Every input knows its fate for certain: a hostile one is a valid payment with one change that no reading can
 * accept, and garbage starts with a character no JSON object does.
 */
final class HostileInputs {

    /** What must become of an input. */
    enum Fate {
        /** A ledger entry. */
        APPLIED,
        /** A dead letter: the account's payment id was applied already. */
        REPEATED,
        /** A dead letter: read from another partition than its account's. */
        MISROUTED,
        /** A dead letter: does not read, or breaks a rule. */
        INVALID,
        /** Refused by the REST API: 400, 413 or 415, nothing sent. */
        REFUSED
    }

    /** A payment the ledger must apply: its account, currency, id and amount in minor units. */
    record Applied(String account, String currency, String id, long amountMinor) {}

    /** A request to {@code POST /payments}. */
    record Request(
            String body,
            String contentType,
            @Nullable String idempotencyKey,
            int status,
            Fate fate,
            @Nullable Applied applied) {}

    /** A record for the payments topic. */
    record Record(
            int partition,
            byte @Nullable [] key,
            byte @Nullable [] value,
            Fate fate,
            @Nullable Applied applied) {}

    private static final String[] CURRENCIES = {"EUR", "USD", "GBP", "JPY"};
    private static final int ACCOUNTS = 40;

    private final SplittableRandom random;
    private final AuditExpectations partitioning;
    private final int partitions;
    private final List<Applied> appliedOnTopic = new ArrayList<>();
    private long nextId;

    HostileInputs(long seed, int partitions) {
        this.random = new SplittableRandom(seed);
        this.partitions = partitions;
        this.partitioning = new AuditExpectations(partitions, LedgerPipeline.DEDUPLICATION_RETENTION);
    }

    // ---------------------------------------------------------------- the REST API

    /** {@code count} requests: about half valid (some repeating an earlier request's Idempotency-Key). */
    List<Request> requests(int count) {
        List<Request> requests = new ArrayList<>(count);
        List<Request> keyed = new ArrayList<>();
        while (requests.size() < count) {
            int pick = random.nextInt(100);
            if (pick < 40) {
                Applied payment = payment(null);
                String key = random.nextInt(4) == 0 ? UUID.randomUUID().toString() : null;
                Applied applied = key == null
                        ? payment
                        : new Applied(payment.account(), payment.currency(), key, payment.amountMinor());
                Request request =
                        new Request(json(applied, false, true), "application/json", key, 202, Fate.APPLIED, applied);
                requests.add(request);
                if (key != null) {
                    keyed.add(request);
                }
            } else if (pick < 48 && !keyed.isEmpty()) {
                // a client's retry: the same request with the same Idempotency-Key
                Request first = keyed.get(random.nextInt(keyed.size()));
                requests.add(new Request(
                        first.body(), first.contentType(), first.idempotencyKey(), 202, Fate.REPEATED, null));
            } else if (pick < 52) {
                requests.add(new Request(
                        json(payment(null), false, true), "application/json", badKey(), 400, Fate.REFUSED, null));
            } else if (pick < 55) {
                String type = random.nextBoolean() ? "text/plain" : "application/x-www-form-urlencoded";
                requests.add(new Request(json(payment(null), false, true), type, null, 415, Fate.REFUSED, null));
            } else if (pick < 57) {
                String body = "{\"account\":\"" + "a".repeat(70_000 + random.nextInt(30_000)) + "\"}";
                requests.add(new Request(body, "application/json", null, 413, Fate.REFUSED, null));
            } else {
                requests.add(
                        new Request(hostile(payment(null), false), "application/json", null, 400, Fate.REFUSED, null));
            }
        }
        return requests;
    }

    private String badKey() {
        return switch (random.nextInt(3)) {
            case 0 -> "a b";
            case 1 -> "k".repeat(101 + random.nextInt(1_000));
            default -> "a/b";
        };
    }

    // ---------------------------------------------------------------- the payments topic

    /** {@code count} records: about 40 % valid, the rest repeated, misrouted, or hostile. */
    List<Record> records(int count) {
        List<Record> records = new ArrayList<>(count);
        while (records.size() < count) {
            int pick = random.nextInt(100);
            if (pick < 40) {
                Applied payment = payment("ft-" + nextId++);
                appliedOnTopic.add(payment);
                // null keys are fine where they land in the account's partition
                byte[] key = random.nextInt(10) == 0 ? null : utf8(payment.account());
                records.add(new Record(home(payment), key, utf8(json(payment, true, false)), Fate.APPLIED, payment));
            } else if (pick < 46 && !appliedOnTopic.isEmpty()) {
                Applied earlier = appliedOnTopic.get(random.nextInt(appliedOnTopic.size()));
                // the same account and id again, the same amount or another: either way a duplicate
                Applied again = random.nextBoolean()
                        ? earlier
                        : new Applied(earlier.account(), earlier.currency(), earlier.id(), 1 + random.nextInt(99));
                records.add(new Record(
                        home(earlier), utf8(earlier.account()), utf8(json(again, true, false)), Fate.REPEATED, null));
            } else if (pick < 52) {
                Applied payment = payment("fm-" + nextId++);
                int other = (home(payment) + 1 + random.nextInt(partitions - 1)) % partitions;
                byte[] key = random.nextBoolean() ? null : utf8("someone-else-" + random.nextInt(1_000));
                records.add(new Record(other, key, utf8(json(payment, true, false)), Fate.MISROUTED, null));
            } else {
                records.add(hostileRecord());
            }
        }
        return records;
    }

    private Record hostileRecord() {
        int partition = random.nextInt(partitions);
        byte[] key = random.nextInt(5) == 0 ? null : utf8("fz-" + random.nextInt(ACCOUNTS));
        int pick = random.nextInt(100);
        byte[] value;
        if (pick < 3) {
            value = null; // a tombstone
        } else if (pick < 6) {
            value = new byte[0];
        } else if (pick < 10) {
            value = new byte[1 + random.nextInt(200)];
            random.nextBytes(value);
            value[0] = (byte) 0xFF; // no JSON starts so, nor UTF-8
        } else if (pick < 12) {
            // near the broker's 1 MB limit: the dead letter must still fit its topic
            value = utf8("{\"id\":\"" + "x".repeat(500_000 + random.nextInt(400_000)) + "\"}");
        } else {
            value = utf8(hostile(payment("fh-" + nextId++), true));
        }
        return new Record(partition, key, value, Fate.INVALID, null);
    }

    // ---------------------------------------------------------------- payments and their spellings

    private Applied payment(@Nullable String id) {
        String account = String.format("fz-%03d", random.nextInt(ACCOUNTS));
        String currency = CURRENCIES[random.nextInt(CURRENCIES.length)];
        long minor = 1 + random.nextInt(500_000);
        return new Applied(account, currency, id == null ? "" : id, minor);
    }

    private int home(Applied payment) {
        return partitioning.home(payment.account());
    }

    private static BigDecimal major(Applied payment) {
        return Money.toMajor(payment.currency(), payment.amountMinor());
    }

    /** The amount in one of the spellings that read as exactly it. */
    private String amount(Applied payment) {
        BigDecimal major = major(payment);
        return switch (random.nextInt(6)) {
            case 0 -> major.toPlainString();
            case 1 -> "\"" + major.toPlainString() + "\"";
            case 2 -> major.unscaledValue() + "e-" + major.scale();
            case 3 -> major.stripTrailingZeros().toString().replace("E", "e");
            case 4 -> major.setScale(major.scale() + 3).toPlainString();
            default -> major.toString();
        };
    }

    /** The payment's JSON, with its id when {@code withId}, an unknown field now and then when {@code extra}. */
    private String json(Applied payment, boolean withId, boolean extra) {
        List<String> fields = new ArrayList<>(5);
        if (withId) {
            fields.add("\"id\":\"" + payment.id() + "\"");
        }
        fields.add("\"account\":\"" + payment.account() + "\"");
        fields.add("\"amount\":" + amount(payment));
        fields.add("\"currency\":\"" + payment.currency() + "\"");
        if (extra && random.nextInt(10) == 0) {
            fields.add("\"note\":\"ignored \\u0000 \\u001f\"");
        }
        // fields in any order
        for (int i = fields.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            String swap = fields.get(i);
            fields.set(i, fields.get(j));
            fields.set(j, swap);
        }
        return "{" + String.join(",", fields) + "}";
    }

    /** The payment's JSON with one change that makes it invalid however it is read. */
    private String hostile(Applied payment, boolean withId) {
        String valid = json(payment, withId, false);
        String id = withId ? "\"id\":\"" + payment.id() + "\"," : "";
        String rest = "\"currency\":\"" + payment.currency() + "\"";
        String account = "\"account\":\"" + payment.account() + "\"";
        String amount = "\"amount\":" + amount(payment);
        return switch (random.nextInt(24)) {
            case 0 -> "{" + id + account + ",\"amount\":" + bomb() + "," + rest + "}";
            case 1 -> "{" + id + account + ",\"amount\":\"" + bomb() + "\"," + rest + "}";
            case 2 -> "{" + id + "\"account\":" + wrongScalar() + "," + amount + "," + rest + "}";
            case 3 -> "{" + id + account + "," + amount + ",\"currency\":" + wrongScalar() + "}";
            case 4 -> "{" + id + account + ",\"amount\":" + wrongAmount() + "," + rest + "}";
            case 5 -> "{" + id + "\"account\":\"" + withControl(payment.account()) + "\"," + amount + "," + rest + "}";
            case 6 -> "{" + id + "\"account\":" + nested(1 + random.nextInt(3_000)) + "," + amount + "," + rest + "}";
            case 7 -> valid.substring(0, random.nextInt(valid.length() - 1)); // cut anywhere
            case 8 -> "~" + valid; // garbage first
            case 9 -> valid + (random.nextBoolean() ? " {}" : "x");
            case 10 -> "{" + id + account + "," + account + "," + amount + "," + rest + "}"; // a field twice
            case 11 -> "{" + id + account + ",\"amount\":-" + major(payment).toPlainString() + "," + rest + "}";
            case 12 -> "{" + id + account + ",\"amount\":0," + rest + "}";
            case 13 -> "{" + id + account + ",\"amount\":1000000.01," + rest + "}";
            case 14 -> "{" + id + account + ",\"amount\":1.001," + rest + "}";
            case 15 -> "{" + id + account + "," + amount + ",\"currency\":\"" + pick("CHF", "ZZZ", "eur", "") + "\"}";
            case 16 ->
                "{" + id + "\"account\":\"" + "a".repeat(65 + random.nextInt(20_000)) + "\"," + amount + "," + rest
                        + "}";
            case 17 -> "{" + id + "\"account\":\"a/b\"," + amount + "," + rest + "}";
            case 18 -> "{" + id + amount + "," + rest + "}"; // no account
            case 19 -> pick("null", "[]", "\"a payment\"", "42", "true", "{}");
            case 20 ->
                withId
                        ? badId(payment) + "," + account + "," + amount + "," + rest + "}"
                        : "{" + account + ",\"amount\":null," + rest + "}";
            case 21 ->
                "{" + id + account + "," + amount + "," + rest + ",\"x\":" + nested(600 + random.nextInt(2_000))
                        + "}"; // deeper than Jackson reads, in an unknown field
            case 22 ->
                "{" + id + account + ",\"amount\":1" + "0".repeat(1_000 + random.nextInt(2_000)) + "," + rest
                        + "}"; // longer than Jackson reads a number
            default -> "{" + id + "\"account\":\"" + payment.account() + "\u0001\"," + amount + "," + rest + "}";
        };
    }

    private String bomb() {
        return pick(
                "-1e999999999",
                "1e999999999",
                "1e2147483647",
                "-1e2147483647",
                "1e-2147483647",
                "-1e100000000",
                "1e2147483648",
                "1e40",
                "1e-41",
                "9".repeat(41));
    }

    private String wrongScalar() {
        return pick("true", "false", "0", "1e400", "12.5", "[\"fz-001\"]", "{\"name\":\"fz-001\"}", "null");
    }

    private String wrongAmount() {
        return pick("true", "\"ten\"", "\"NaN\"", "\"Infinity\"", "{\"value\":5}", "[5]", "\"\"", "null");
    }

    private String withControl(String account) {
        String control = pick("\\u0000", "\\u0001", "\\n", "\\t", "\\u007f", "\\u2028", " ");
        int at = random.nextInt(account.length() + 1);
        return account.substring(0, at) + control + account.substring(at);
    }

    private String badId(Applied payment) {
        String id = pick(
                "\"id\":\"\"",
                "\"id\":\"fz\\u0000" + payment.id() + "\"",
                "\"id\":\"" + "i".repeat(101) + "\"",
                "\"id\":\"a b\"",
                "\"id\":42",
                "\"id\":null");
        return "{" + id;
    }

    private String nested(int depth) {
        return "[".repeat(depth) + "]".repeat(depth);
    }

    private String pick(String... options) {
        return options[random.nextInt(options.length)];
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
