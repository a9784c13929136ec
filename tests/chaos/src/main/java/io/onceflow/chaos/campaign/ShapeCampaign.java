package io.onceflow.chaos.campaign;

import io.onceflow.chaos.shapes.Shape;
import io.onceflow.chaos.shapes.ShapeGenerator;
import io.onceflow.chaos.shapes.ShapePipelines;
import io.onceflow.chaos.shapes.ShapeShrinker;
import io.onceflow.chaos.shapes.ShapeVerdict;
import io.onceflow.chaos.shapes.ShapeVerifier;
import io.onceflow.chaos.verify.KafkaReads;
import io.onceflow.testinfra.KafkaBroker;
import io.onceflow.testinfra.PostgresDatabase;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The campaign's generated shapes: their topics and tables, their paced input, whether they have caught up, and
 * their verdicts. The processors run them (see {@code ShapeRunner}); the campaign's faults hit them with the ledger.
 */
final class ShapeCampaign {

    private static final Logger LOG = LoggerFactory.getLogger("io.onceflow.chaos");

    private final CampaignProfile profile;
    private final KafkaBroker broker;
    private final PostgresDatabase database;
    private final List<Shape> shapes;
    private final ShapeVerifier verifier;
    private final ShapeFeeder feeder;
    private final Path logs;

    /** @param logs where the processors' logs are: a mismatch's trace is picked out of them */
    ShapeCampaign(CampaignProfile profile, KafkaBroker broker, PostgresDatabase database, Path logs) {
        this.profile = profile;
        this.logs = logs;
        this.broker = broker;
        this.database = database;
        this.shapes = ShapeGenerator.shapes(profile.seed(), profile.shapes());
        this.verifier = new ShapeVerifier(new KafkaReads(broker.bootstrapServers()), database::openConnection);
        // the input is spread over most of the production time, so that the shapes work while the faults strike
        this.feeder = new ShapeFeeder(
                broker.bootstrapServers(),
                profile.seed(),
                shapes,
                profile.shapeRecords(),
                profile.production().multipliedBy(8).dividedBy(10));
    }

    /** Creates every shape's topics and tables. */
    void setUp() throws Exception {
        for (Shape shape : shapes) {
            LOG.info("{}", shape.describe());
            ShapePipelines.setUp(shape, broker, database);
        }
    }

    /** Starts producing the shapes' input, on a daemon thread. */
    void startFeeding() {
        Thread feeding = new Thread(feeder, "campaign-shapes");
        feeding.setDaemon(true);
        feeding.start();
    }

    boolean fed() {
        return feeder.done();
    }

    void stop() {
        feeder.stop();
    }

    /** The shapes not caught up yet: committed positions short of their input's end. */
    List<String> behind() {
        List<String> behind = new ArrayList<>();
        for (Shape shape : shapes) {
            try {
                String lag = verifier.lag(shape);
                if (!lag.isEmpty()) {
                    behind.add(shape.pipeline() + " " + lag);
                }
            } catch (Exception e) {
                behind.add(shape.pipeline() + " (" + e + ")");
            }
        }
        return behind;
    }

    /** Each shape's verdict, computed with its oracle. */
    List<ShapeVerdict> verify() throws Exception {
        List<ShapeVerdict> verdicts = new ArrayList<>();
        List<ShapeVerifier.Timed> judged = verifier.verifyAll(shapes);
        for (int i = 0; i < shapes.size(); i++) {
            Shape shape = shapes.get(i);
            ShapeVerdict verdict = judged.get(i).verdict();
            if (!verdict.exact()) {
                List<String> trace = MismatchTrace.of(shape, verdict.examples(), logs);
                LOG.warn(
                        "{}: what the processors' logs say of the mismatch ({} lines)", shape.pipeline(), trace.size());
                trace.forEach(line -> LOG.warn("{}: | {}", shape.pipeline(), line));
            }
            if (!verdict.exact() && verdict.notProcessed() == 0) {
                // look for a small case that fails without a broker: what a developer reproduces in a unit test
                ShapeShrinker.Result shrunk = ShapeShrinker.shrink(shape, verifier.readInput(shape), profile.seed());
                LOG.warn("{}: {}", shape.pipeline(), shrunk.summary());
                verdict = verdict.withExample("shrunk: " + shrunk.summary());
            }
            verdicts.add(verdict);
            LOG.info(
                    "{}: {} in, {} out of {} expected, {} in {} ms",
                    shape.pipeline(),
                    verdict.inputRecords(),
                    verdict.outputs(),
                    verdict.expectedOutputs(),
                    verdict.exact() ? "exact" : "NOT EXACT " + verdict.examples(),
                    judged.get(i).millis());
        }
        return verdicts;
    }

    long failedSends() {
        return feeder.failed();
    }

    int records() {
        return feeder.records();
    }
}
