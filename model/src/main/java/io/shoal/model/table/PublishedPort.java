package io.shoal.model.table;

import io.shoal.model.PortConfig;

/** A published port and the service behind it. */
public record PublishedPort(ServiceEntry service, PortConfig port) {}
