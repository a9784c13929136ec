/**
 * Onceflow's Spring Boot internals: what Spring Boot loads by name and applications never call. Not an API: it may
 * change in any release.
 */
@NullMarked
package io.onceflow.spring.internal;

import org.jspecify.annotations.NullMarked;
