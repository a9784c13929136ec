package io.onceflow.it.state;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * A job whose keyed state is what users keep and what a codec bound to a sample value gets wrong: a sealed interface
 * whose initial record is not its later one, holding a map of lists of {@code BigDecimal}s with their scales, an
 * {@code Optional<Instant>} and a {@code BigDecimal} total; and the independent fold of the input that says what its
 * output must be.
 */
final class TypedLedger {

    private TypedLedger() {}

    record Spend(long id, String account, String currency, BigDecimal amount, long at) {}

    sealed interface Account permits Fresh, Active {
        Account apply(Spend spend);
    }

    record Fresh(String account) implements Account {
        @Override
        public Account apply(Spend spend) {
            return new Active(
                    account,
                    1,
                    spend.amount(),
                    Map.of(spend.currency(), List.of(spend.amount())),
                    Optional.of(Instant.ofEpochMilli(spend.at())));
        }
    }

    record Active(
            String account,
            long spends,
            BigDecimal total,
            Map<String, List<BigDecimal>> byCurrency,
            Optional<Instant> last)
            implements Account {
        @Override
        public Account apply(Spend spend) {
            Map<String, List<BigDecimal>> next = new LinkedHashMap<>(byCurrency);
            List<BigDecimal> amounts = new ArrayList<>(next.getOrDefault(spend.currency(), List.of()));
            amounts.add(spend.amount());
            next.put(spend.currency(), List.copyOf(amounts));
            return new Active(
                    account,
                    spends + 1,
                    total.add(spend.amount()),
                    next,
                    Optional.of(Instant.ofEpochMilli(spend.at())));
        }
    }

    /** What the job emits for each spend: a summary of the account's state after it, as text, exact to the scale. */
    record Summary(String account, long spends, String total, String byCurrency, long last) {
        static Summary of(Account state) {
            Active active = (Active) state; // a Fresh state never follows a spend
            return new Summary(
                    active.account(),
                    active.spends(),
                    active.total().toPlainString() + "@" + active.total().scale(),
                    active.byCurrency().toString(),
                    active.last().orElseThrow().toEpochMilli());
        }
    }

    /** {@code count} spends over {@code accounts} accounts, amounts of scales 0 to 3. */
    static List<Spend> spends(long firstId, int count, int accounts, long seed) {
        Random random = new Random(seed);
        String[] currencies = {"EUR", "USD", "CHF"};
        List<Spend> spends = new ArrayList<>(count);
        for (long id = firstId; id < firstId + count; id++) {
            spends.add(new Spend(
                    id,
                    "acct-" + random.nextInt(accounts),
                    currencies[random.nextInt(currencies.length)],
                    BigDecimal.valueOf(1 + random.nextInt(100_000), random.nextInt(4)),
                    1_700_000_000_000L + id));
        }
        return spends;
    }

    /** The summaries the job must emit for {@code spends} in this order (per account), by account. */
    static Map<String, List<Summary>> expected(List<Spend> spends) {
        Map<String, Account> states = new HashMap<>();
        Map<String, List<Summary>> summaries = new LinkedHashMap<>();
        for (Spend spend : spends) {
            Account next = states.computeIfAbsent(spend.account(), Fresh::new).apply(spend);
            states.put(spend.account(), next);
            summaries.computeIfAbsent(spend.account(), a -> new ArrayList<>()).add(Summary.of(next));
        }
        return summaries;
    }

    /** {@code summaries} by account, in their order. */
    static Map<String, List<Summary>> byAccount(List<Summary> summaries) {
        Map<String, List<Summary>> byAccount = new LinkedHashMap<>();
        for (Summary summary : summaries) {
            byAccount.computeIfAbsent(summary.account(), a -> new ArrayList<>()).add(summary);
        }
        return byAccount;
    }
}
