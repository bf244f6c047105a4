/**
 * The fleet job: the sensors' records on Kafka added up across sensors, on Kafka Streams.
 * {@link io.portwatch.fleet.FleetTopology} builds the topology from a {@link io.portwatch.fleet.FleetConfig};
 * {@link io.portwatch.fleet.FleetApp} runs it. It reads the sensors' JSON (docs/output.md) and depends on no
 * other portwatch module; docs/fleet.md describes what it writes.
 */
package io.portwatch.fleet;
