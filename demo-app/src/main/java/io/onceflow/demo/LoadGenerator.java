package io.onceflow.demo;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/**
 * Sends payments at a steady rate over a set of accounts ({@code acct-000} …), in EUR, USD, GBP and JPY, with a share of
 * invalid ones that the pipeline must dead-letter: a negative amount, an unknown currency, no account, too many
 * decimal places, or JSON that does not parse.
 *
 * <pre>
 *   every 50 ms: rate / 20 payments ─▶ idempotent producer ─▶ payments topic      (stops after count, if set)
 * </pre>
 *
 * <p>It starts with the application when {@code onceflow.demo.generator.enabled} is true (and the application is not
 * in batch mode, where the batch drives it), and stops before the pipeline does. When Kafka is slower than the rate,
 * ticks are dropped rather than queued: the rate is an upper bound.
 *
 * @since 0.1
 */
final class LoadGenerator implements SmartLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(LoadGenerator.class);
    private static final Duration TICK = Duration.ofMillis(50);
    private static final long TICKS_PER_SECOND = 20;

    private final PaymentPublisher publisher;
    private final DemoProperties.Generator settings;
    private final boolean autoStart;
    // ids stay unique across restarts of the demo on a persistent cluster
    private final String runId = Long.toString(System.currentTimeMillis(), 36);
    private final Random random = new Random();
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicLong invalid = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong next = new AtomicLong();

    private volatile @Nullable Disposable running;

    LoadGenerator(PaymentPublisher publisher, DemoProperties.Generator settings, boolean autoStart) {
        this.publisher = publisher;
        this.settings = settings;
        this.autoStart = autoStart;
    }

    /**
     * Sends {@code count} payments (0: until cancelled) at {@code rate} a second; emits for each whether Kafka
     * acknowledged it.
     */
    Flux<Boolean> send(int rate, long count) {
        Flux<Long> ticks = Flux.interval(TICK).onBackpressureDrop().concatMapIterable(tick -> numbers(tick, rate));
        Flux<Long> numbers = count > 0 ? ticks.take(count) : ticks;
        return Flux.defer(() -> publisher.sendAll(numbers.map(this::payment)))
                .doOnNext(ok -> (ok ? acknowledged : refused).incrementAndGet());
    }

    /** The payment numbers of a tick: rate / 20 of them, the remainders spread so that a second has exactly rate. */
    private List<Long> numbers(long tick, int rate) {
        long from = tick * rate / TICKS_PER_SECOND;
        long to = (tick + 1) * rate / TICKS_PER_SECOND;
        List<Long> numbers = new ArrayList<>((int) (to - from));
        for (long i = from; i < to; i++) {
            numbers.add(next.getAndIncrement());
        }
        return numbers;
    }

    private ProducerRecord<String, byte[]> payment(long number) {
        String id = "g" + runId + "-" + number;
        String account = String.format("acct-%03d", random.nextInt(settings.accounts()));
        String currency = currency();
        BigDecimal amount = amount(currency);
        if (random.nextDouble() >= settings.invalidShare()) {
            return publisher.record(new PaymentMessage(id, account, amount, currency));
        }
        invalid.incrementAndGet();
        switch ((int) (number % 5)) {
            case 0:
                return publisher.record(new PaymentMessage(id, account, amount.negate(), currency));
            case 1:
                return publisher.record(new PaymentMessage(id, account, amount, "ZZZ"));
            case 2:
                return publisher.record(new PaymentMessage(id, null, amount, currency));
            case 3:
                return publisher.record(new PaymentMessage(id, account, amount.add(new BigDecimal("0.001")), currency));
            default:
                return publisher.raw(account, "{\"id\":\"" + id + "\",\"account\":\"" + account + "\",\"amount\":");
        }
    }

    private String currency() {
        int pick = random.nextInt(20);
        return pick < 11 ? "EUR" : pick < 16 ? "USD" : pick < 19 ? "GBP" : "JPY";
    }

    private BigDecimal amount(String currency) {
        return "JPY".equals(currency)
                ? BigDecimal.valueOf(1 + random.nextInt(50_000))
                : BigDecimal.valueOf(1 + random.nextInt(50_000), 2);
    }

    /** Payments Kafka acknowledged so far. */
    long acknowledged() {
        return acknowledged.get();
    }

    /** Of those sent, how many were invalid on purpose. */
    long invalid() {
        return invalid.get();
    }

    @Override
    public void start() {
        if (running != null) {
            return;
        }
        LOG.info(
                "load generator: {} payments a second over {} accounts, {}% invalid{}",
                settings.rate(),
                settings.accounts(),
                settings.invalidShare() * 100,
                settings.count() > 0 ? ", " + settings.count() + " in all" : "");
        running = send(settings.rate(), settings.count())
                .subscribe(
                        ok -> {},
                        failure -> LOG.error("load generator stopped: {}", failure.toString()),
                        () -> LOG.info("load generator: all {} payments sent", settings.count()));
    }

    @Override
    public void stop() {
        Disposable current = running;
        running = null;
        if (current != null) {
            current.dispose();
        }
    }

    @Override
    public boolean isRunning() {
        return running != null;
    }

    @Override
    public boolean isAutoStartup() {
        return autoStart;
    }

    /** Stops first: nothing new should arrive while the pipeline takes its final checkpoint. */
    @Override
    public int getPhase() {
        return DEFAULT_PHASE;
    }
}
