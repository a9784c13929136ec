package io.onceflow.chaos.shapes;

import io.micrometer.core.instrument.MeterRegistry;
import io.onceflow.chaos.group.GroupMembership;
import io.onceflow.core.CheckpointedFlux;
import io.onceflow.core.Onceflow;
import io.onceflow.core.Pipeline;
import io.onceflow.core.PipelineBuilder;
import io.onceflow.core.ProtocolListener;
import io.onceflow.core.RestartPolicy;
import io.onceflow.core.Sink;
import io.onceflow.kafka.KafkaRecord;
import io.onceflow.kafka.KafkaSinkOptions;
import io.onceflow.kafka.KafkaSource;
import io.onceflow.kafka.KafkaSourceOptions;
import io.onceflow.kafka.KafkaTransactionalSink;
import io.onceflow.sinks.r2dbc.OnceflowTables;
import io.onceflow.sinks.r2dbc.PostgresCheckpointStore;
import io.onceflow.sinks.r2dbc.PostgresCheckpointStoreOptions;
import io.onceflow.sinks.r2dbc.R2dbcSinkOptions;
import io.onceflow.sinks.r2dbc.R2dbcUpsertSink;
import io.onceflow.sinks.r2dbc.Row;
import io.onceflow.testinfra.KafkaBroker;
import io.onceflow.testinfra.PostgresDatabase;
import io.r2dbc.spi.ConnectionFactory;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A shape's pipeline as a processor runs it: a Kafka source, the shape's stages, its sinks. Timeouts and the restart
 * policy are the ledger job's: short, so that a killed broker or processor is noticed in seconds, and restarts never
 * give up.
 *
 * <pre>
 *   shape-i-in[-t] ─▶ stages ─▶ numbering ─┬─▶ shape-i-out + shape-i-dead (Kafka)  or  shape_i_out + shape_i_dead
 *                                     └─▶ shape_i_table (idempotent), for some
 *
 *   or, with a PostgreSQL checkpoint store as the commit point (positions, state, shape_i_dead):
 *   shape-i-in[-t] ─▶ stages ─▶ numbering ───▶ shape_i_table (idempotent) alone
 * </pre>
 */
public final class ShapePipelines {

    /** Input topics keep every record: the oracle replays the whole input. */
    public static final Map<String, String> KEEP_FOREVER = Map.of("retention.ms", "-1", "retention.bytes", "-1");

    private ShapePipelines() {}

    /**
     * Creates a shape's topics (its inputs, and its Kafka commit point's output and dead letters) and its tables,
     * where they do not exist.
     */
    public static void setUp(Shape shape, KafkaBroker broker, PostgresDatabase database) throws SQLException {
        for (String topic : shape.inputTopics()) {
            broker.createTopic(topic, shape.partitions(), KEEP_FOREVER);
        }
        if (shape.sinks().kafkaCommitPoint()) {
            broker.createTopic(shape.outputTopic(), 3);
            broker.createTopic(shape.deadLetterTopic(), 1);
        }
        for (String statement : ddl(shape)) {
            database.execute(statement);
        }
    }

    /** The statements that create a shape's tables (its commit point's and idempotent ones, and dead letters). */
    public static List<String> ddl(Shape shape) {
        List<String> ddl = new ArrayList<>();
        if (!shape.sinks().kafkaCommitPoint()) {
            if (shape.sinks().committedOutputs()) {
                ddl.add("CREATE TABLE IF NOT EXISTS " + shape.outputTable()
                        + " (part integer NOT NULL, n bigint NOT NULL, value bigint NOT NULL, PRIMARY KEY (part, n))");
            }
            ddl.addAll(OnceflowTables.deadLetterDdl(shape.deadLetterTable()));
        }
        if (shape.sinks().idempotentTable()) {
            ddl.add("CREATE TABLE IF NOT EXISTS " + shape.idempotentTable()
                    + " (part integer NOT NULL, k bigint NOT NULL, value bigint NOT NULL, n bigint NOT NULL,"
                    + " onceflow_partition text, onceflow_offset bigint, onceflow_ordinal integer,"
                    + " PRIMARY KEY (part, k))");
        }
        return ddl;
    }

    /**
     * The pipeline of {@code shape}.
     *
     * @param instanceId the processor's instance id
     * @param membership the source's group protocol and session timeout
     */
    public static Pipeline create(
            Shape shape,
            String bootstrapServers,
            ConnectionFactory database,
            String instanceId,
            GroupMembership membership,
            ProtocolListener listener,
            MeterRegistry meters) {
        KafkaSourceOptions.Builder<Tagged> options = KafkaSourceOptions.builder()
                .bootstrapServers(bootstrapServers)
                .valueFormat(ShapeFormats.INPUT)
                .maxPollRecords(200)
                .assignTimeout(Duration.ofSeconds(30));
        shape.inputTopics().forEach(options::topic);
        KafkaSource<Tagged> source =
                KafkaSource.create(membership.applyTo(options).build());
        PipelineBuilder builder = Onceflow.pipeline(shape.pipeline())
                .instanceId(instanceId)
                .checkpointEvery(shape.checkpointInterval())
                .checkpointTimeout(Duration.ofSeconds(30))
                .revocationGracePeriod(Duration.ofSeconds(10))
                .restartPolicy(RestartPolicy.defaults()
                        .withMaxAttempts(Long.MAX_VALUE)
                        .withBackoff(Duration.ofMillis(200), Duration.ofSeconds(3)))
                .protocolListener(listener)
                .meterRegistry(meters);
        if (!shape.sinks().committedOutputs()) {
            builder = builder.checkpointStore(store(shape, database));
        }
        CheckpointedFlux<Tagged> input = builder.from(source);
        return ShapeStages.build(input, shape.stages()).to(sinks(shape, source, database));
    }

    private static List<Sink<Output>> sinks(Shape shape, KafkaSource<Tagged> source, ConnectionFactory database) {
        List<Sink<Output>> sinks = new ArrayList<>();
        if (shape.sinks().committedOutputs()) {
            sinks.add(shape.sinks().kafkaCommitPoint() ? kafka(shape, source) : postgres(shape, database));
        }
        if (shape.sinks().idempotentTable()) {
            R2dbcSinkOptions.Builder<Output> table = R2dbcSinkOptions.<Output>builder()
                    .name("table")
                    .connectionFactory(database)
                    .table(shape.idempotentTable())
                    .key("part", "k")
                    .columns(out -> Row.of(
                            new String[] {"part", "k", "value", "n"},
                            new Object[] {out.partition(), out.tableKey(), out.value(), out.n()}))
                    .idempotent();
            R2dbcSinkOptions.Builder<Output> coalesced = switch (shape.coalescing()) {
                case EVERY_WRITE -> table;
                case ROWS -> table.lastWriteWins();
                case ROW_KEY -> table.lastWriteWins(out -> List.of(out.partition(), out.tableKey()));
            };
            sinks.add(R2dbcUpsertSink.create(coalesced.build()));
        }
        return sinks;
    }

    /** The commit point of a shape whose only sink is its idempotent table: positions, state, dead letters. */
    private static PostgresCheckpointStore store(Shape shape, ConnectionFactory database) {
        return PostgresCheckpointStore.create(PostgresCheckpointStoreOptions.builder()
                .name("store")
                .connectionFactory(database)
                .deadLetterTable(shape.deadLetterTable())
                .build());
    }

    private static Sink<Output> kafka(Shape shape, KafkaSource<Tagged> source) {
        String topic = shape.outputTopic();
        return KafkaTransactionalSink.create(
                source,
                KafkaSinkOptions.builder()
                        .name("out")
                        .deadLetterTopic(shape.deadLetterTopic())
                        .valueFormat(ShapeFormats.OUTPUT)
                        .transactionTimeout(Duration.ofSeconds(10))
                        .requestTimeout(Duration.ofSeconds(10))
                        .clientProperty("request.timeout.ms", 5_000)
                        .producerProperty("max.block.ms", 10_000)
                        .producerProperty("delivery.timeout.ms", 15_000)
                        .build(),
                out -> KafkaRecord.of(topic, String.valueOf(out.partition()), out));
    }

    private static Sink<Output> postgres(Shape shape, ConnectionFactory database) {
        return R2dbcUpsertSink.create(R2dbcSinkOptions.<Output>builder()
                .name("out")
                .connectionFactory(database)
                .table(shape.outputTable())
                .key("part", "n")
                .columns(out -> Row.of(
                        new String[] {"part", "n", "value"}, new Object[] {out.partition(), out.n(), out.value()}))
                .deadLetterTable(shape.deadLetterTable())
                .commitPoint()
                // a shape's checkpoint holds a few to a few dozen outputs: chunks this small are streamed into its
                // open transaction before the marker, so the shapes meet streamed commits (and their rewrites) too
                .chunkSize(4)
                .build());
    }
}
