/**
 * Text as the commit points store it: UTF-8, which has no form for an unpaired UTF-16 surrogate ({@link
 * io.onceflow.core.internal.text.Utf8Text}). Used by the core's state keys and by the sinks' text values, which
 * refuse such text rather than let Java write {@code ?} in its place. Implementation, not API: see {@link
 * io.onceflow.core.internal}.
 */
@NullMarked
package io.onceflow.core.internal.text;

import org.jspecify.annotations.NullMarked;
