/**
 * Type tests for cluster(...): a preset is named by its literal name, and
 * its changes are typed like the description (tsc rejects a misspelt preset
 * or a figure of the wrong type as the user types).
 */
import { expectError, expectType } from "tsd";
import { cluster, type ClusterSpec } from "meshtype";

expectType<ClusterSpec>(cluster("h100", { nodes: 4 }));
expectType<ClusterSpec>(cluster(cluster("a100"), { interNode: { efficiency: 0.9 } }));
expectError(cluster("a1000"));
expectError(cluster("a100", { nodes: "4" }));
expectError(cluster("a100", { device: { peakFlops: { fp64: 1 } } }));
