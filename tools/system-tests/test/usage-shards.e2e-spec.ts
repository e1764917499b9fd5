import { describeUsageShards } from './support/usage-shards-scenario';

// On the shared test Redis; usage-shards-cluster.e2e-spec.ts runs the same on a Redis Cluster.
describeUsageShards(false);
