package io.onceflow.it.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.onceflow.core.Onceflow;
import io.onceflow.core.Pipeline;
import io.onceflow.core.RestartPolicy;
import io.onceflow.it.state.TypedLedger.Account;
import io.onceflow.it.state.TypedLedger.Fresh;
import io.onceflow.it.state.TypedLedger.Spend;
import io.onceflow.it.state.TypedLedger.Summary;
import io.onceflow.kafka.Format;
import io.onceflow.kafka.Json;
import io.onceflow.kafka.KafkaRecord;
import io.onceflow.kafka.KafkaSinkOptions;
import io.onceflow.kafka.KafkaSource;
import io.onceflow.kafka.KafkaSourceOptions;
import io.onceflow.kafka.KafkaTransactionalSink;
import io.onceflow.testinfra.BrokerMode;
import io.onceflow.testinfra.KafkaBroker;
import io.onceflow.testinfra.WithKafka;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/**
 * State restored from the Kafka changelog keeps its exact type: a sealed state inferred from its initial record,
 * holding {@code Map<String, List<BigDecimal>>}, {@code Optional<Instant>} and a {@code BigDecimal} total, goes
 * through three runs (each restoring what the one before committed) and the output equals one fold of the whole input.
 * Before state codecs were bound to a type, the restored state came back as the initial record's class, and the runs
 * after the first failed or started the accounts over.
 */
@WithKafka(mode = BrokerMode.IN_PROCESS)
class KafkaTypedStateRestoreIT {

    private static final String IN = "spends";
    private static final String OUT = "summaries";
    private static final String PIPELINE = "typed";
    private static final Format<Spend> SPENDS = Json.of(Spend.class);
    private static final Format<Summary> SUMMARIES = Json.of(Summary.class);

    @Test
    void stateRestoredFromTheChangelogIsTheStateThatWasCommitted(KafkaBroker broker) throws Exception {
        String bootstrap = broker.bootstrapServers();
        broker.createTopic(IN, 3);
        broker.createTopic(OUT, 3);
        List<Spend> all = new ArrayList<>();
        for (int run = 0; run < 3; run++) {
            List<Spend> part = TypedLedger.spends(run * 2_000L, 2_000, 60, run);
            produce(bootstrap, part);
            all.addAll(part);
            runUntil(bootstrap, part.size());
        }
        assertThat(TypedLedger.byAccount(summaries(bootstrap))).isEqualTo(TypedLedger.expected(all));
    }

    // the deprecated sink made without its source: it still pairs with the pipeline's source, which this job runs
    @SuppressWarnings("deprecation")
    private static Pipeline pipeline(String bootstrap) {
        return Onceflow.pipeline(PIPELINE)
                .checkpointEvery(Duration.ofMillis(200))
                .meterRegistry(new SimpleMeterRegistry())
                .restartPolicy(RestartPolicy.never())
                .from(KafkaSource.create(KafkaSourceOptions.<Spend>builder()
                        .bootstrapServers(bootstrap)
                        .topic(IN)
                        .valueFormat(SPENDS)
                        .build()))
                .keyed("accounts", Spend::account, account -> (Account) new Fresh(account), Account::apply)
                .map(Summary::of)
                .to(KafkaTransactionalSink.create(
                        KafkaSinkOptions.builder().bootstrapServers(bootstrap).build(),
                        summary -> KafkaRecord.of(OUT, summary.account(), summary)));
    }

    /** Runs the job until it has committed {@code records} more records, then stops it. */
    private static void runUntil(String bootstrap, long records) {
        AtomicLong committed = new AtomicLong();
        CompletableFuture<Void> done = new CompletableFuture<>();
        Pipeline pipeline = pipeline(bootstrap);
        Disposable running = pipeline.run()
                .subscribe(
                        event -> {
                            if (event.completed() && committed.addAndGet(event.records()) >= records) {
                                done.complete(null);
                            }
                        },
                        done::completeExceptionally);
        done.orTimeout(2, TimeUnit.MINUTES).join();
        pipeline.stop().block(Duration.ofSeconds(30));
        running.dispose();
    }

    private static void produce(String bootstrap, List<Spend> spends) throws Exception {
        StateTopics.produce(bootstrap, IN, SPENDS, spends, Spend::account);
    }

    private static List<Summary> summaries(String bootstrap) {
        return StateTopics.readCommitted(bootstrap, OUT, SUMMARIES);
    }
}
