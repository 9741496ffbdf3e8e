/** Immutable domain records of Shoal and the {@code ServiceTable} snapshot the data plane serves from. */
package io.shoal.model;
