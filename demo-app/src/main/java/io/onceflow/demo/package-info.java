/** The payments-ledger demo. */
@NullMarked
package io.onceflow.demo;

import org.jspecify.annotations.NullMarked;
