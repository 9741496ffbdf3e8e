/**
 * The Swarm part of the Docker Engine API (v1.41 shapes), served beside Shoal's own API so that the
 * stock {@code docker} client drives a Shoal manager: {@link io.shoal.controlplane.api.docker.DockerApi}
 * routes, {@link io.shoal.controlplane.api.docker.DockerSpecs} maps Docker's JSON to Shoal's model,
 * {@link io.shoal.controlplane.api.docker.DockerViews} maps Shoal's objects back.
 */
package io.shoal.controlplane.api.docker;
