import { describeUsageShards } from './support/usage-shards-scenario';

// On a private 3-master Redis Cluster, which the scenario starts and removes.
describeUsageShards(true);
