/** The routing mesh: listeners for the table's published ports, reconciled on every table update. */
package io.shoal.ingress.mesh;
