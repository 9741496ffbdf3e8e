/** Leader election among managers, with a leader epoch that fences a deposed leader's writes. */
package io.shoal.controlplane.leader;
