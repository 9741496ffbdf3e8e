/**
 * The leader's orchestrator: turns services into tasks (replicated slots, one task per node for
 * global services), replaces tasks that ended or whose node was lost, empties drained nodes
 * (replacement first), and hands new tasks to the allocator and the scheduler.
 */
package io.shoal.controlplane.orchestrator;
