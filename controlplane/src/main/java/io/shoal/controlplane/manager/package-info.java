/** A manager: store, leader election, and the reconcilers that run only while it leads. */
package io.shoal.controlplane.manager;
