/**
 * Membership: agents keep an ephemeral member record; the leader marks nodes down when theirs
 * vanishes and reports them lost after a grace period.
 */
package io.shoal.controlplane.membership;
