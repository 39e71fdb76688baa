export { postgresBinDir } from './binaries.ts';
export {
  CLUSTER_USER,
  type ClusterState,
  clusterState,
  type StartOptions,
  startPostgres,
  stopPostgres,
} from './cluster.ts';
