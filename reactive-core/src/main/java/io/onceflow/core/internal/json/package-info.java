/**
 * JSON through Jackson 3 without its per-value costs: a generator kept per thread ({@link
 * io.onceflow.core.internal.json.ReusedJsonGenerators}) and creators called through a handle spread once ({@link
 * io.onceflow.core.internal.json.SpreadCreatorsModule}). Used by the core's state codecs and by reactive-kafka's
 * {@code Json} formats, which encode and decode on the record path. Implementation, not API: see {@link
 * io.onceflow.core.internal}.
 */
@NullMarked
package io.onceflow.core.internal.json;

import org.jspecify.annotations.NullMarked;
