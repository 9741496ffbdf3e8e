/** The agent's side of task status: forward-only reports into {@code /shoal/status/<task id>}. */
package io.shoal.controlplane.status;
