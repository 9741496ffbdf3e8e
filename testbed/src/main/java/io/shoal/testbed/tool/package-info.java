/** The testbed's face for people: {@code testbed/testbed.sh} and {@code ./demo.sh} run {@link io.shoal.testbed.tool.TestbedTool}. */
package io.shoal.testbed.tool;
