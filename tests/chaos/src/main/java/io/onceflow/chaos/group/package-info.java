/**
 * How the campaign's pipelines belong to their consumer groups: the classic protocol or KIP-848's consumer protocol,
 * chosen per job from the campaign's seed, with the session timeout the campaign's zombies and absences rely on.
 */
@NullMarked
package io.onceflow.chaos.group;

import org.jspecify.annotations.NullMarked;
