/** Backend choice for a published port: round robin, least connections, Maglev consistent hashing. */
package io.shoal.ingress.balance;
