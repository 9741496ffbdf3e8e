/** The live state of one published port that its TCP and UDP handlers share. */
package io.shoal.ingress.port;
