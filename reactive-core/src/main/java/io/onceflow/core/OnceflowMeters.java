package io.onceflow.core;

/**
 * The names of every meter Onceflow registers, in one place. All are under {@code onceflow.}, in base units, with
 * low-cardinality tags: {@code pipeline}, and where it applies {@code source}, {@code sink}, {@code outcome}
 * ({@code completed} or {@code failed}) and, for lag only, {@code partition}.
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th><th>what</th></tr>
 *   <tr><td>{@value #CHECKPOINT_DURATION}</td><td>timer</td><td>pipeline, outcome</td>
 *       <td>from a marker's creation to its commit (or failure); its count is checkpoints by outcome</td></tr>
 *   <tr><td>{@value #CHECKPOINT_ALIGNMENT}</td><td>timer</td><td>pipeline</td>
 *       <td>from a marker's creation to its arrival at the sinks</td></tr>
 *   <tr><td>{@value #COMMIT_DURATION}</td><td>timer</td><td>pipeline, sink, outcome</td>
 *       <td>one participant's flush or commit of one checkpoint</td></tr>
 *   <tr><td>{@value #RECORDS_IN}</td><td>counter</td><td>pipeline, source</td><td>records read</td></tr>
 *   <tr><td>{@value #RECORDS_OUT}</td><td>counter</td><td>pipeline, sink</td>
 *       <td>records in completed checkpoints, per sink</td></tr>
 *   <tr><td>{@value #RECORDS_DEAD_LETTERED}</td><td>counter</td><td>pipeline</td>
 *       <td>dead letters in completed checkpoints</td></tr>
 *   <tr><td>{@value #RECORDS_DROPPED_REVOKED}</td><td>counter</td><td>pipeline, source</td>
 *       <td>records of revoked partitions dropped for their new owner to replay</td></tr>
 *   <tr><td>{@value #SINK_BUFFERED}</td><td>gauge</td><td>pipeline, sink</td>
 *       <td>records buffered and not yet durable</td></tr>
 *   <tr><td>{@value #DUPLICATES_SUPPRESSED}</td><td>counter</td><td>pipeline, sink</td>
 *       <td>replayed writes an idempotent sink left unchanged</td></tr>
 *   <tr><td>{@value #RESTARTS}</td><td>counter</td><td>pipeline</td><td>restarts by the restart policy</td></tr>
 *   <tr><td>{@value #SOURCE_LAG}</td><td>gauge</td><td>pipeline, source, partition</td>
 *       <td>records between a partition's end and its last committed position</td></tr>
 *   <tr><td>{@value #SOURCE_RECORDS_EXPIRED}</td><td>counter</td><td>pipeline, source, partition</td>
 *       <td>records the source's broker deleted (retention) before the pipeline read them: lost to it</td></tr>
 *   <tr><td>{@value #LAST_CHECKPOINT_AGE}</td><td>gauge</td><td>pipeline</td>
 *       <td>seconds since the last completed checkpoint, by the pipeline's scheduler</td></tr>
 * </table>
 *
 * @since 0.1
 */
public final class OnceflowMeters {

    public static final String CHECKPOINT_DURATION = "onceflow.checkpoint.duration";
    public static final String CHECKPOINT_ALIGNMENT = "onceflow.checkpoint.alignment";
    public static final String COMMIT_DURATION = "onceflow.commit.duration";
    public static final String RECORDS_IN = "onceflow.records.in";
    public static final String RECORDS_OUT = "onceflow.records.out";
    public static final String RECORDS_DEAD_LETTERED = "onceflow.records.dead.lettered";
    public static final String RECORDS_DROPPED_REVOKED = "onceflow.records.dropped.revoked";
    public static final String SINK_BUFFERED = "onceflow.sink.buffered";
    public static final String DUPLICATES_SUPPRESSED = "onceflow.duplicates.suppressed";
    public static final String RESTARTS = "onceflow.pipeline.restarts";
    public static final String SOURCE_LAG = "onceflow.source.lag";
    public static final String SOURCE_RECORDS_EXPIRED = "onceflow.source.records.expired";
    public static final String LAST_CHECKPOINT_AGE = "onceflow.checkpoint.last.age";

    public static final String TAG_PIPELINE = "pipeline";
    public static final String TAG_SOURCE = "source";
    public static final String TAG_SINK = "sink";
    public static final String TAG_OUTCOME = "outcome";
    public static final String TAG_PARTITION = "partition";

    private OnceflowMeters() {}
}
